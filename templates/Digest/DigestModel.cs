namespace Publisher.Templates.Digest;

/// <summary>One article as a digest shows it.</summary>
public sealed record DigestArticle(string Title, string Url, DateTimeOffset PublishedAt, string? Category, string Summary);

/// <summary>
/// Everything a digest shows. It is rendered once per digest; the per-subscriber parts are left as
/// <see cref="NamePlaceholder"/> and <see cref="UnsubscribePlaceholder"/> and filled in for each recipient.
/// </summary>
public sealed record DigestModel(
    string Language,
    string SiteTitle,
    string SiteUrl,
    string ListName,
    string ListTitle,
    string FeedUrl,
    DateTimeOffset Date,
    IReadOnlyList<DigestArticle> Articles,
    int MoreArticles = 0,
    string? PostalAddress = null)
{
    /// <summary>
    /// Where each recipient's name goes. Random for every rendering, so an article (its title, its summary) that holds
    /// the marker cannot have a recipient's own data filled into it: no text written before the rendering can know it.
    /// </summary>
    public string NamePlaceholder { get; } = NewMarker("NAME");
    /// <summary>Where each recipient's unsubscribe link goes; random like <see cref="NamePlaceholder"/>.</summary>
    public string UnsubscribePlaceholder { get; } = NewMarker("UNSUBSCRIBE_URL");

    private static string NewMarker(string what) =>
        $"%%PUBLISHER_{what}_{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12))}%%";

    public bool IsChinese => Language.StartsWith("zh", StringComparison.OrdinalIgnoreCase);
    public string DateText => IsChinese ? Date.ToString("yyyy年M月d日") : Date.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture);

    public string Subject => IsChinese
        ? $"{ListTitle}｜{DateText}：{Articles[0].Title}{(Articles.Count > 1 ? $" 等{Articles.Count}篇" : "")}"
        : $"{ListTitle}, {DateText}: {Articles[0].Title}{(Articles.Count > 1 ? $" and {Articles.Count - 1} more" : "")}";
    /// <summary>What the inbox shows beside the subject: the first titles.</summary>
    public string Preheader => string.Join(IsChinese ? "；" : "; ", Articles.Take(3).Select(a => a.Title));
    public string Greeting => IsChinese ? $"{NamePlaceholder}，您好：" : $"Hello {NamePlaceholder},";
    public string Intro => IsChinese ? $"以下是「{ListTitle}」的{Articles.Count}篇新文章。" : $"{Articles.Count} new articles in {ListTitle}.";
    public string MoreText => IsChinese ? $"另有{MoreArticles}篇文章，请访问网站阅读。" : $"{MoreArticles} more articles are on the site.";
    public string FeedText => IsChinese ? "用阅读器订阅" : "Follow the feed";
    public string SiteText => IsChinese ? "访问网站" : "Visit the site";
    public string UnsubscribeText => IsChinese ? "退订" : "Unsubscribe";
    public string WhyText => IsChinese ? $"您收到这封邮件，是因为订阅了{SiteTitle}的「{ListTitle}」。" : $"You get this mail because you subscribed to {ListTitle} from {SiteTitle}.";
    public string DateOf(DigestArticle a) => a.PublishedAt.ToString("yyyy-MM-dd");
    /// <summary>The sender's postal address or contact line, a line at a time; none when it is not configured.</summary>
    public IReadOnlyList<string> PostalLines => (PostalAddress ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
