using Microsoft.EntityFrameworkCore;
using Publisher.Articles;

namespace Publisher.Pages;

/// <summary>An article as lists show it: no body.</summary>
public sealed record ArticleListItem(string Slug, string Title, string Summary, DateTimeOffset PublishedAt, string? Category, string? CategorySlug);

/// <summary>A category as the home page lists it.</summary>
public sealed record CategoryLink(string Slug, string Name, int Count);

/// <summary>Which page of a list this is, and the links to its neighbours.</summary>
public sealed record Paging(int Page, int Pages, Uri? Previous, Uri? Next);

public static class ArticleListQueries
{
    /// <summary>One page, newest first as the feeds order them; projected, so no body is read.</summary>
    public static async Task<List<ArticleListItem>> PageAsync(this IQueryable<Article> articles, int page, int pageSize, CancellationToken ct)
    {
        var rows = await articles.AsNoTracking().OrderByDescending(a => a.PublishedUtc).ThenByDescending(a => a.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(a => new { a.Slug, a.Title, a.Summary, a.PublishedUtc, a.PublishedOffsetMinutes, a.Category, a.CategorySlug })
            .ToListAsync(ct);
        // A row whose offset no clock has (written by hand or by another tool) cannot be shown; the rest of the page can.
        return rows.Where(r => Math.Abs(r.PublishedOffsetMinutes) <= 14 * 60).Select(r => new ArticleListItem(r.Slug, r.Title, r.Summary,
            new DateTimeOffset(DateTime.SpecifyKind(r.PublishedUtc, DateTimeKind.Unspecified), TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(r.PublishedOffsetMinutes)),
            r.Category, r.CategorySlug)).ToList();
    }
}
