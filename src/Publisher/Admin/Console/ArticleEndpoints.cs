using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Articles;
using Publisher.Data;
using Publisher.Feeds;
using Publisher.Pages;

namespace Publisher.Admin.Console;

/// <summary>The articles, newest first, with links to their page and feed; the files the watcher rejected lately.</summary>
public static class ArticleEndpoints
{
    public const int PageSize = 50;

    public sealed record Row(string Slug, string Title, string? Category, string? CategorySlug, string? Source, DateTimeOffset PublishedAt);

    public static RouteGroupBuilder MapArticleEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/articles", Page);
        return admin;
    }

    public static async Task<RazorComponentResult<ArticlesPage>> Page(int? page, HttpContext http, PublisherDbContext db, IngestRejections rejections,
        SiteAddresses addresses, IOptions<PublisherOptions> options, CancellationToken ct)
    {
        int total = await db.Articles.CountAsync(ct);
        int pages = Math.Max(1, (total + PageSize - 1) / PageSize);
        int number = Math.Clamp(page ?? 1, 1, pages);
        var rows = await db.Articles.AsNoTracking().OrderByDescending(a => a.PublishedUtc).ThenByDescending(a => a.Id).Skip((number - 1) * PageSize).Take(PageSize)
            .Select(a => new { a.Slug, a.Title, a.Category, a.CategorySlug, a.Source, a.PublishedUtc, a.PublishedOffsetMinutes }).ToListAsync(ct);
        return new(new
        {
            Ui = options.Ui(),
            Links = PagesEndpoints.Links(http, addresses, options),
            Articles = rows.Select(r => new Row(r.Slug, r.Title, r.Category, r.CategorySlug, r.Source,
                new DateTimeOffset(DateTime.SpecifyKind(r.PublishedUtc, DateTimeKind.Unspecified), TimeSpan.Zero)
                    .ToOffset(TimeSpan.FromMinutes(Math.Clamp(r.PublishedOffsetMinutes, -14 * 60, 14 * 60))))).ToList(),
            Total = total,
            Number = number,
            Pages = pages,
            Rejections = rejections.Recent(),
        });
    }
}
