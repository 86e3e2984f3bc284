using Microsoft.AspNetCore.Http.HttpResults;

namespace Publisher.Feeds;

public static class FeedsExtensions
{
    public static WebApplicationBuilder AddFeeds(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FeedStore>();
        builder.Services.AddHostedService<FeedPublisher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapFeeds(this IEndpointRouteBuilder app)
    {
        var feeds = app.MapGroup("/feeds").WithTags("Feeds");
        feeds.MapMethods("/{file}", ["GET", "HEAD"], (string file, int? page, HttpContext http, FeedStore store, SiteAddresses addresses, CancellationToken ct) =>
            Serve(null, file, page, http, store, addresses, ct));
        feeds.MapMethods("/categories/{slug}/{file}", ["GET", "HEAD"], (string slug, string file, int? page, HttpContext http, FeedStore store,
            SiteAddresses addresses, CancellationToken ct) => Serve(slug, file, page, http, store, addresses, ct));
        return app;
    }

    /// <summary>Looks the document up (the first pages are ready; deeper ones are built once and cached) and writes it.</summary>
    public static async Task<Results<FeedResult, NotFound>> Serve(string? category, string file, int? page, HttpContext http, FeedStore store,
        SiteAddresses addresses, CancellationToken ct)
    {
        if (FeedFormats.FromFileName(file) is not { } format || page is < 1) return TypedResults.NotFound();
        var doc = await store.GetAsync(addresses.For(http.Request), new FeedKey(category, format, page ?? 1), ct);
        return doc is null ? TypedResults.NotFound() : new FeedResult(doc);
    }
}
