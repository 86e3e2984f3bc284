namespace Publisher.Templates.Confirmation;

/// <summary>Everything the confirmation mail shows: the double opt-in request for one list.</summary>
public sealed record ConfirmationModel(
    string Language,
    string SiteTitle,
    string ListName,
    string ListTitle,
    string? SubscriberName,
    string ConfirmUrl,
    int ValidDays,
    string? ManageUrl = null)
{
    public bool IsChinese => Language.StartsWith("zh", StringComparison.OrdinalIgnoreCase);

    public string Subject => IsChinese ? $"请确认订阅「{ListTitle}」" : $"Please confirm your subscription to {ListTitle}";
    public string Greeting => IsChinese
        ? (string.IsNullOrWhiteSpace(SubscriberName) ? "您好：" : $"{SubscriberName}，您好：")
        : (string.IsNullOrWhiteSpace(SubscriberName) ? "Hello," : $"Hello {SubscriberName},");
    public string Request => IsChinese
        ? $"有人（希望是您）用这个邮箱地址订阅了{SiteTitle}的「{ListTitle}」。"
        : $"Someone (hopefully you) subscribed this address to {ListTitle} from {SiteTitle}.";
    /// <summary>The request and what to do, in the HTML part: it has a button.</summary>
    public string RequestWithButton => IsChinese ? Request + "请点击下面的按钮确认订阅。" : Request + " Please confirm with the button below.";
    /// <summary>What to do, in the text part: it has a link, which opens a page where the subscription is confirmed.</summary>
    public string LinkPrompt => IsChinese
        ? "请打开下面的链接，在打开的页面上确认订阅："
        : "To confirm, open the link below and confirm on the page it opens:";
    public string ManageText => IsChinese ? "管理订阅" : "Manage subscription";
    public string Button => IsChinese ? "确认订阅" : "Confirm subscription";
    public string Ignore => IsChinese
        ? $"如果不是您本人操作，请忽略本邮件，您不会收到任何邮件。链接{ValidDays}天内有效。"
        : $"If this was not you, ignore this mail and you will hear nothing more. The link works for {ValidDays} days.";
}
