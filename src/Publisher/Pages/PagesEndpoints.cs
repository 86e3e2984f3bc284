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
    public const int ArticlesPerPage = 30;

    public static WebApplicationBuilder AddPages(this WebApplicationBuilder builder)
    {
        // The default encoder writes every Chinese character as a numeric reference; allow all of Unicode.
        builder.Services.AddSingleton(HtmlEncoder.Create(UnicodeRanges.All));
        builder.Services.AddRazorComponents();
        return builder;
    }

    public static IEndpointRouteBuilder MapPages(this IEndpointRouteBuilder app)
    {
        // HEAD as well as GET: link checkers and some readers ask with HEAD first (Kestrel sends no body for it).
        string[] read = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods("/", read, Home).ExcludeFromDescription();
        app.MapMethods("/categories/{slug}", read, Category).ExcludeFromDescription();
        app.MapMethods("/articles/{slug}", read, ArticleBySlug).ExcludeFromDescription();
        app.MapMethods("/healthz", read, () => TypedResults.Text("ok")).ExcludeFromDescription();
        return app;
    }

    public static async Task<Results<RazorComponentResult<HomePage>, NotFound>> Home(int? page, HttpContext http, FeedStore feeds, PublisherDbContext db,
        SiteAddresses addresses, IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var index = await feeds.IndexAsync(ct);
        var links = Links(http, addresses, options);
        if (PagingOf(page, index.Count, links.HomePage) is not { } paging) return TypedResults.NotFound();
        var categories = index.Categories.Values
            .Select(g => new CategoryLink(g.CategorySlug!, feeds.CategoryName(g.CategorySlug!) ?? g.CategorySlug!, g.Entries.Length))
            .OrderByDescending(c => c.Count).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
        return new RazorComponentResult<HomePage>(new
        {
            Site = options.Value.Site,
            Links = links,
            Articles = await db.Articles.PageAsync(paging.Page, ArticlesPerPage, ct),
            Paging = paging,
            Categories = categories,
            Lists = await db.Lists.AsNoTracking().OrderBy(l => l.Name).ToListAsync(ct),
        });
    }

    public static async Task<Results<RazorComponentResult<CategoryPage>, NotFound>> Category(string slug, int? page, HttpContext http, FeedStore feeds,
        PublisherDbContext db, SiteAddresses addresses, IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var group = (await feeds.IndexAsync(ct)).Group(slug);
        var links = Links(http, addresses, options);
        if (group is null || PagingOf(page, group.Entries.Length, p => links.Category(slug, p)) is not { } paging) return TypedResults.NotFound();
        return new RazorComponentResult<CategoryPage>(new
        {
            Site = options.Value.Site,
            Links = links,
            Slug = slug,
            Name = feeds.CategoryName(slug) ?? slug,
            Articles = await db.Articles.Where(a => a.CategorySlug == slug).PageAsync(paging.Page, ArticlesPerPage, ct),
            Paging = paging,
        });
    }

    public static async Task<Results<RazorComponentResult<ArticlePage>, NotFound>> ArticleBySlug(string slug, HttpContext http, PublisherDbContext db,
        SiteAddresses addresses, IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var article = await db.Articles.AsNoTracking().SingleOrDefaultAsync(a => a.Slug == slug, ct);
        if (article is null) return TypedResults.NotFound();
        return new RazorComponentResult<ArticlePage>(new
        {
            Site = options.Value.Site,
            Links = Links(http, addresses, options),
            Article = article,
        });
    }

    /// <summary>Page <paramref name="page"/> (1 when absent) of <paramref name="count"/> articles; null past the last page.</summary>
    private static Paging? PagingOf(int? page, int count, Func<int, Uri> pageUri)
    {
        int p = page ?? 1, pages = Math.Max(1, (count + ArticlesPerPage - 1) / ArticlesPerPage);
        if (p < 1 || p > pages) return null;
        return new Paging(p, pages, p > 1 ? pageUri(p - 1) : null, p < pages ? pageUri(p + 1) : null);
    }

    public static SiteLinks Links(HttpContext http, SiteAddresses addresses, IOptions<PublisherOptions> options) =>
        new(addresses.For(http.Request), string.IsNullOrWhiteSpace(options.Value.WebSub.Hub) ? null : options.Value.WebSub.Hub);
}
