namespace Publisher.Feeds;

/// <summary>
/// Absolute links of the site under one base URL (Publisher:Site:BaseUrl, or an allowed request base). Every link is
/// a percent-encoded URI, as a feed's self link must match the address it is fetched from byte for byte.
/// </summary>
public sealed class SiteLinks
{
    private readonly string _base;
    private readonly string? _hub;

    /// <param name="baseUrl">The site's base, without a trailing slash.</param>
    /// <param name="hub">An outside WebSub hub; null means the built-in one under this base.</param>
    public SiteLinks(string baseUrl, string? hub = null)
    {
        _base = baseUrl.TrimEnd('/');
        _hub = hub;
    }

    public string Base => _base;
    public Uri Home => new(_base + "/");
    public Uri Article(string slug) => new($"{_base}/articles/{Uri.EscapeDataString(slug)}");
    public Uri Category(string slug, int page = 1) => new($"{_base}/categories/{Uri.EscapeDataString(slug)}{PageQuery(page)}");
    public Uri HomePage(int page) => new($"{_base}/{PageQuery(page)}");
    /// <summary>A list's archive of sent digests (page <paramref name="page"/>), one archived digest, and the archive's Atom feed.</summary>
    public Uri Archive(string list, int page = 1) => new($"{_base}/archive/{Uri.EscapeDataString(list)}{PageQuery(page)}");
    public Uri ArchivedDigest(string list, int digestId) => new($"{_base}/archive/{Uri.EscapeDataString(list)}/{digestId}");
    public Uri ArchiveFeed(string list) => new($"{_base}/archive/{Uri.EscapeDataString(list)}/feed.xml");
    public Uri Hub => new(_hub ?? _base + "/websub");

    public Uri Feed(string? categorySlug, FeedFormat format, int page = 1) => new($"{_base}/feeds/{FeedPath(categorySlug, format)}{PageQuery(page)}");

    /// <summary>The path of a feed under /feeds/, percent-encoded.</summary>
    public static string FeedPath(string? categorySlug, FeedFormat format) =>
        categorySlug is null ? format.FileName() : $"categories/{Uri.EscapeDataString(categorySlug)}/{format.FileName()}";

    private static string PageQuery(int page) => page > 1 ? $"?page={page}" : "";
}
