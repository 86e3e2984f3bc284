namespace Publisher;

/// <summary>The absolute base for links that leave the request: mails, exports. Site:BaseUrl, else the first address served.</summary>
public static class PublicUrls
{
    public static string Base(IConfiguration configuration)
    {
        string? configured = configuration[$"{PublisherOptions.Section}:Site:BaseUrl"];
        if (!string.IsNullOrWhiteSpace(configured)) return configured.TrimEnd('/');
        return ListenUrls(configuration).First();
    }

    /// <summary>The addresses in <c>urls</c> (or the default), wildcards read as localhost, without trailing slashes.</summary>
    public static IEnumerable<string> ListenUrls(IConfiguration configuration)
    {
        string urls = configuration["urls"] ?? Program.DefaultUrl;
        return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(u => u.Replace("://*", "://localhost").Replace("://+", "://localhost").Replace("://0.0.0.0", "://localhost")
                .Replace("://[::]", "://localhost").TrimEnd('/'));
    }
}
