using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Data;
using Publisher.Feeds;

namespace Publisher.Pages;

public static class PagesEndpoints
{
    public const int HomePageArticles = 30;

    public static WebApplicationBuilder AddPages(this WebApplicationBuilder builder)
    {
        // The default encoder writes every Chinese character as a numeric reference; allow all of Unicode.
        builder.Services.AddSingleton(HtmlEncoder.Create(UnicodeRanges.All));
        builder.Services.AddRazorComponents();
        return builder;
    }

    public static IEndpointRouteBuilder MapPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", Home).ExcludeFromDescription();
        app.MapGet("/articles/{slug}", ArticleBySlug).ExcludeFromDescription();
        app.MapGet("/healthz", () => TypedResults.Text("ok")).ExcludeFromDescription();
        return app;
    }

    public static async Task<RazorComponentResult<HomePage>> Home(HttpContext http, FeedCache cache, PublisherDbContext db, IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var snapshot = await cache.GetAsync(FeedsEndpoints.RequestBase(http.Request), ct);
        var lists = await db.Lists.AsNoTracking().OrderBy(l => l.Name).ToListAsync(ct);
        return new RazorComponentResult<HomePage>(new
        {
            Site = options.Value.Site,
            Links = new SiteLinks(cache.ConfiguredBase ?? FeedsEndpoints.RequestBase(http.Request)),
            Articles = snapshot.Articles.Take(HomePageArticles).ToList(),
            Lists = lists,
        });
    }

    public static async Task<Results<RazorComponentResult<ArticlePage>, NotFound>> ArticleBySlug(string slug, HttpContext http, FeedCache cache,
        IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var snapshot = await cache.GetAsync(FeedsEndpoints.RequestBase(http.Request), ct);
        var article = snapshot.FindBySlug(slug);
        if (article is null) return TypedResults.NotFound();
        return new RazorComponentResult<ArticlePage>(new
        {
            Site = options.Value.Site,
            Links = new SiteLinks(cache.ConfiguredBase ?? FeedsEndpoints.RequestBase(http.Request)),
            Article = article,
        });
    }
}
