namespace Publisher.Templates.Digest;

/// <summary>One article as a digest shows it.</summary>
public sealed record DigestArticle(string Title, string Url, DateTimeOffset PublishedAt, string? Category, string Summary);

/// <summary>
/// Everything a digest shows. It is rendered once per digest; the per-subscriber parts are left as
/// <see cref="NamePlaceholder"/>, <see cref="UnsubscribePlaceholder"/> and <see cref="ManagePlaceholder"/> and filled in
/// for each recipient. Rendered for the web archive (<see cref="Archived"/>), it has no personal part at all: a neutral
/// greeting, and links to subscribe and to the archive where the mail has the reader's own links.
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
    /// <summary>Where each recipient's preference-centre link goes; random like <see cref="NamePlaceholder"/>.</summary>
    public string ManagePlaceholder { get; } = NewMarker("MANAGE_URL");

    /// <summary>The digest's public page ("view in browser"); null when it has none (a preview, a list without an archive).</summary>
    public string? ArchiveUrl { get; init; }
    /// <summary>Rendered for the web archive: no name, no personal links.</summary>
    public bool Archived { get; init; }
    /// <summary>For the archive: where to subscribe, and the list of past digests.</summary>
    public string? SubscribeUrl { get; init; }
    public string? ArchiveListUrl { get; init; }

    private static string NewMarker(string what) =>
        $"%%PUBLISHER_{what}_{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12))}%%";

    public bool IsChinese => Language.StartsWith("zh", StringComparison.OrdinalIgnoreCase);
    public string DateText => DateTextFor(Language, Date);

    public string Subject => SubjectFor(Language, ListTitle, Date, Articles[0].Title, Articles.Count);

    /// <summary>The date as the digest writes it (the archive lists digests by it).</summary>
    public static string DateTextFor(string language, DateTimeOffset date) => language.StartsWith("zh", StringComparison.OrdinalIgnoreCase)
        ? date.ToString("yyyy年M月d日", System.Globalization.CultureInfo.InvariantCulture)
        : date.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A digest's subject from its first article and how many it shows (the archive and its feed title digests by it).</summary>
    public static string SubjectFor(string language, string listTitle, DateTimeOffset date, string firstTitle, int count) =>
        language.StartsWith("zh", StringComparison.OrdinalIgnoreCase)
            ? $"{listTitle}｜{DateTextFor(language, date)}：{firstTitle}{(count > 1 ? $" 等{count}篇" : "")}"
            : $"{listTitle}, {DateTextFor(language, date)}: {firstTitle}{(count > 1 ? $" and {count - 1} more" : "")}";
    /// <summary>What the inbox shows beside the subject: the first titles.</summary>
    public string Preheader => string.Join(IsChinese ? "；" : "; ", Articles.Take(3).Select(a => a.Title));
    public string Greeting => Archived ? (IsChinese ? "您好：" : "Hello,")
        : IsChinese ? $"{NamePlaceholder}，您好：" : $"Hello {NamePlaceholder},";
    public string Intro => IsChinese ? $"以下是「{ListTitle}」的{Articles.Count}篇新文章。" : $"{Articles.Count} new articles in {ListTitle}.";
    public string MoreText => IsChinese ? $"另有{MoreArticles}篇文章，请访问网站阅读。" : $"{MoreArticles} more articles are on the site.";
    public string FeedText => IsChinese ? "用阅读器订阅" : "Follow the feed";
    public string SiteText => IsChinese ? "访问网站" : "Visit the site";
    public string UnsubscribeText => IsChinese ? "退订" : "Unsubscribe";
    public string ManageText => IsChinese ? "管理订阅" : "Manage subscription";
    public string ViewInBrowserText => IsChinese ? "在浏览器中查看" : "View in browser";
    public string SubscribeText => IsChinese ? "订阅" : "Subscribe";
    public string ArchiveListText => IsChinese ? "往期邮件" : "Past issues";
    public string WhyText => Archived
        ? (IsChinese ? $"这是{SiteTitle}「{ListTitle}」的一期邮件，订阅后每期都会发到您的邮箱。" : $"An issue of {ListTitle} from {SiteTitle}; subscribe to get every issue by mail.")
        : IsChinese ? $"您收到这封邮件，是因为订阅了{SiteTitle}的「{ListTitle}」。" : $"You get this mail because you subscribed to {ListTitle} from {SiteTitle}.";
    public string DateOf(DigestArticle a) => a.PublishedAt.ToString("yyyy-MM-dd");
    /// <summary>The sender's postal address or contact line, a line at a time; none when it is not configured.</summary>
    public IReadOnlyList<string> PostalLines => (PostalAddress ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
