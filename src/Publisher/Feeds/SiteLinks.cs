namespace Publisher.Feeds;

/// <summary>Absolute links of the site, from its base URL (Publisher:Site:BaseUrl or the request's own).</summary>
public sealed class SiteLinks
{
    private readonly string _base;

    public SiteLinks(string baseUrl) => _base = baseUrl.TrimEnd('/');

    public Uri Home => new(_base + "/");
    public Uri Article(string slug) => new($"{_base}/articles/{Uri.EscapeDataString(slug)}");

    public Uri Feed(string? categorySlug, FeedFormat format, int page = 1)
    {
        string path = categorySlug is null ? format.FileName() : $"categories/{Uri.EscapeDataString(categorySlug)}/{format.FileName()}";
        return new($"{_base}/feeds/{path}{(page > 1 ? $"?page={page}" : "")}");
    }
}
