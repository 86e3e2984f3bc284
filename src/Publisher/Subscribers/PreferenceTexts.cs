namespace Publisher.Subscribers;

/// <summary>What the preference centre (/manage) says, in the site's language (Chinese on zh-* sites, else English).</summary>
public sealed class PreferenceTexts(bool chinese)
{
    public static readonly PreferenceTexts Chinese = new(true);
    public static readonly PreferenceTexts English = new(false);

    public static PreferenceTexts For(SiteOptions site) => site.IsChinese ? Chinese : English;

    public bool IsChinese => chinese;
    public string Heading => chinese ? "管理订阅" : "Manage your subscription";
    public string ForAddress(string email) => chinese ? $"邮箱：{email}" : $"For {email}";
    public string YourLists => chinese ? "您的订阅" : "Your lists";
    public string NoLists => chinese ? "这个地址没有订阅任何列表。" : "This address is on no list.";

    public string Status(MembershipStatus status) => status switch
    {
        MembershipStatus.Unconfirmed => chinese ? "待确认（请查收确认邮件）" : "waiting for confirmation (see the confirmation mail)",
        MembershipStatus.Confirmed => chinese ? "已订阅" : "subscribed",
        MembershipStatus.Unsubscribed => chinese ? "已退订" : "unsubscribed",
        _ => chinese ? "邮件无法投递，已停止发送" : "mail to this address bounced; sending stopped",
    };
    public string PausedUntil(string date) => chinese ? $"暂停至 {date}" : $"paused until {date}";

    public string Categories => chinese ? "只接收这些栏目" : "Only these categories";
    public string CategoriesHint => chinese ? "都不选即接收全部栏目。" : "Choose none to get them all.";
    public string SaveCategories => chinese ? "保存栏目" : "Save categories";
    public string Pause => chinese ? "暂停接收" : "Pause deliveries";
    public string PauseWeek => chinese ? "一周" : "1 week";
    public string PauseMonth => chinese ? "一个月" : "1 month";
    public string PauseQuarter => chinese ? "三个月" : "3 months";
    public string PauseUntilDate => chinese ? "直到指定日期：" : "until a date:";
    public string PauseButton => chinese ? "暂停" : "Pause";
    public string Resume => chinese ? "恢复接收" : "Resume deliveries";
    public string Unsubscribe => chinese ? "退订此列表" : "Unsubscribe from this list";
    public string Resubscribe => chinese ? "重新订阅（需再次确认）" : "Subscribe again (confirm by mail)";

    public string NameHeading => chinese ? "称呼" : "Your name";
    public string NameHint => chinese ? "邮件开头这样称呼您；留空则用“读者”。" : "How the mail greets you; empty means \"reader\".";
    public string SaveName => chinese ? "保存称呼" : "Save name";
    public string UnsubscribeAll => chinese ? "退订全部列表" : "Unsubscribe from all lists";

    public string DataHeading => chinese ? "您的数据" : "Your data";
    public string DataHint => chinese ? "下载我们保存的关于您的全部数据（JSON），或永久删除。" : "Download everything stored about you (JSON), or erase it for good.";
    public string Download => chinese ? "下载数据" : "Download my data";
    public string EraseConfirm => chinese ? "我明白删除后无法恢复，并将退订全部列表" : "I understand this cannot be undone and ends every subscription";
    public string Erase => chinese ? "删除我的数据" : "Erase my data";

    public string Done(string? what) => what switch
    {
        "categories" => chinese ? "栏目已保存。" : "Your categories are saved.",
        "paused" => chinese ? "已暂停接收。" : "Deliveries are paused.",
        "resumed" => chinese ? "已恢复接收。" : "Deliveries are resumed.",
        "name" => chinese ? "称呼已保存。" : "Your name is saved.",
        "unsubscribed" => chinese ? "已退订。" : "You are unsubscribed.",
        "unsubscribed-all" => chinese ? "已退订全部列表。" : "You are unsubscribed from every list.",
        "confirm-erase" => MustConfirmErase,
        "resubscribed" => chinese ? "确认邮件已发出，请点击其中的链接完成订阅。" : "A confirmation mail is on its way: follow its link to subscribe again.",
        _ => "",
    };

    public string UnknownCategory(string name) => chinese ? $"“{name}”不是这个列表的栏目。" : $"'{name}' is not one of this list's categories.";
    public string BadPause => chinese ? "请选择暂停时长，或填写一个今后一年内的日期。" : "Choose how long to pause, or a date within the coming year.";
    public string NotNow => chinese ? "这个订阅现在不能这样修改。" : "This subscription cannot be changed that way now.";
    public string BadName(string error) => chinese ? $"称呼无效：{error}" : $"The name is not valid: {error}";

    public string Erased => chinese ? "数据已删除" : "Your data is erased";
    public string ErasedDetail => chinese
        ? "您的邮箱地址、称呼和订阅记录已删除，不会再收到任何邮件。为防止被他人重新加入，我们只保留了一个无法还原的地址摘要。"
        : "Your address, name and subscriptions are deleted and no more mail will come. Only a one-way digest of the address is kept, so that nobody else can add it back.";
    public string MustConfirmErase => chinese ? "请勾选确认框后再删除。" : "Tick the box to confirm the erasure.";
}
