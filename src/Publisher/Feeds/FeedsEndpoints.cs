using Microsoft.Net.Http.Headers;

namespace Publisher.Feeds;

public static class FeedsEndpoints
{
    public static WebApplicationBuilder AddFeeds(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FeedCache>();
        builder.Services.AddHostedService<FeedPublisher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapFeeds(this IEndpointRouteBuilder app)
    {
        var feeds = app.MapGroup("/feeds").WithTags("Feeds");
        feeds.MapMethods("/{file}", ["GET", "HEAD"], (string file, int? page, HttpContext http, FeedCache cache, CancellationToken ct) =>
            Serve(null, file, page, http, cache, ct));
        feeds.MapMethods("/categories/{slug}/{file}", ["GET", "HEAD"], (string slug, string file, int? page, HttpContext http, FeedCache cache, CancellationToken ct) =>
            Serve(slug, file, page, http, cache, ct));
        return app;
    }

    /// <summary>Looks the bytes up; the framework's file result answers If-None-Match / If-Modified-Since with 304.</summary>
    public static async Task<IResult> Serve(string? category, string file, int? page, HttpContext http, FeedCache cache, CancellationToken ct)
    {
        if (FeedFormats.FromFileName(file) is not { } format || page is < 1) return TypedResults.NotFound();
        var snapshot = await cache.GetAsync(RequestBase(http.Request), ct);
        if (!snapshot.Documents.TryGetValue(new FeedKey(category, format, page ?? 1), out var doc)) return TypedResults.NotFound();
        http.Response.Headers.CacheControl = "public, max-age=60";
        return TypedResults.Bytes(doc.Bytes, doc.ContentType, lastModified: doc.LastModified, entityTag: new EntityTagHeaderValue(doc.ETag));
    }

    public static string RequestBase(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";
}
