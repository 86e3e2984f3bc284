namespace Publisher;

/// <summary>The absolute base for links that leave the request: mails, exports. Site:BaseUrl, else the first address served.</summary>
public static class PublicUrls
{
    public static string Base(IConfiguration configuration)
    {
        string? configured = configuration[$"{PublisherOptions.Section}:Site:BaseUrl"];
        if (!string.IsNullOrWhiteSpace(configured)) return configured.TrimEnd('/');
        string urls = configuration["urls"] ?? Program.DefaultUrl;
        string first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
        return first.Replace("://*", "://localhost").Replace("://+", "://localhost").Replace("://0.0.0.0", "://localhost").TrimEnd('/');
    }
}
