namespace Publisher.Feeds;

public static class FeedsExtensions
{
    public static WebApplicationBuilder AddFeeds(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FeedStore>();
        builder.Services.AddHostedService<FeedPublisher>();
        return builder;
    }

    /// <summary>
    /// Serves GET and HEAD under /feeds/ ahead of routing, authentication and the other middleware: feed readers poll
    /// these few URLs far more than everything else together, and the documents are ready bytes.
    /// </summary>
    public static IApplicationBuilder UseFeeds(this IApplicationBuilder app)
    {
        var store = app.ApplicationServices.GetRequiredService<FeedStore>();
        var addresses = app.ApplicationServices.GetRequiredService<SiteAddresses>();
        return app.Use(async (http, next) =>
        {
            var request = http.Request;
            if (!request.Path.StartsWithSegments("/feeds", out var rest) || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
                || rest.Value is not { Length: > 1 } path || FeedPathKey(path, request) is not { } key)
            {
                await next(http);
                return;
            }
            var doc = key.Page >= 1 ? await store.GetAsync(addresses.For(request), key, http.RequestAborted) : null;
            if (doc is null) http.Response.StatusCode = StatusCodes.Status404NotFound;
            else await new FeedResult(doc).ExecuteAsync(http);
        });
    }

    /// <summary>"/rss.xml" or "/categories/{slug}/atom.xml" (and ?page=N) as a key; null for any other path under /feeds.</summary>
    private static FeedKey? FeedPathKey(string path, HttpRequest request)
    {
        var parts = path.AsSpan(1); // after the leading '/'

        string? slug = null;
        if (parts.StartsWith("categories/"))
        {
            parts = parts["categories/".Length..];
            int slash = parts.IndexOf('/');
            if (slash <= 0) return null;
            slug = parts[..slash].ToString();
            parts = parts[(slash + 1)..];
        }
        if (parts.Contains('/') || FeedFormats.FromFileName(parts.ToString()) is not { } format) return null;
        int page = 1;
        if (request.QueryString.HasValue && request.Query.TryGetValue("page", out var value) && !int.TryParse(value, out page)) page = 0;
        return new FeedKey(slug, format, page);
    }
}
