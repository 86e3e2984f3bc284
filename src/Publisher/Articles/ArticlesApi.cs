using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Admin;
using Publisher.Data;
using Publisher.Feeds;

namespace Publisher.Articles;

public static class ArticlesApi
{
    public sealed record ArticleItem(string Slug, string Title, DateTimeOffset PublishedAt, string? Category, string? Author, string? Source,
        IReadOnlyList<string> Tags, string Summary);
    public sealed record ArticleDetail(string Id, string Slug, string Title, DateTimeOffset PublishedAt, DateTimeOffset UpdatedAt, string? Category,
        string? Author, string? Source, IReadOnlyList<string> Tags, string Summary, string ContentHtml, string SourceKey);
    
    public sealed record IngestResponse(string Status, string Slug, string Title);

    public static IEndpointRouteBuilder MapArticlesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/articles").WithTags("Articles").RequireAuthorization(AdminKeyAuthentication.Policy);
        api.MapGet("/", List);
        api.MapGet("/{slug}", Get);
        api.MapPost("/", Post);
        api.MapDelete("/{slug}", Delete);
        return app;
    }

    public static async Task<Results<Ok<PageOf<ArticleItem>>, ProblemHttpResult>> List(PublisherDbContext db, int? page, int? pageSize, CancellationToken ct)
    {
        int p = page ?? 1, size = pageSize ?? 50;
        if (p < 1 || size is < 1 or > 500) return TypedResults.Problem(statusCode: 400, title: "Bad paging", detail: "page must be at least 1 and pageSize between 1 and 500.");
        int total = await db.Articles.CountAsync(ct);
        var rows = await db.Articles.AsNoTracking().OrderByDescending(a => a.PublishedUtc).ThenByDescending(a => a.Id)
            .Skip((p - 1) * size).Take(size).ToListAsync(ct);
        return TypedResults.Ok(new PageOf<ArticleItem>(rows.Select(ToItem).ToList(), total, p, size));
    }

    public static async Task<Results<Ok<ArticleDetail>, ProblemHttpResult>> Get(string slug, PublisherDbContext db, SiteAddresses addresses, CancellationToken ct)
    {
        var a = await db.Articles.AsNoTracking().SingleOrDefaultAsync(x => x.Slug == slug, ct);
        if (a is null) return NotFound(slug);
        return TypedResults.Ok(new ArticleDetail(FeedBuilder.EntryId(addresses.IdHost, a), a.Slug, a.Title, a.PublishedAt, a.UpdatedAt, a.Category, a.Author, a.Source,
            a.TagList.ToList(), a.Summary, a.BodyHtml, a.SourceKey));
    }

    public static async Task<Results<Created<IngestResponse>, Ok<IngestResponse>, ValidationProblem>> Post(ArticleInput input, ArticleIngestor ingestor,
        FeedStore feeds, PublisherDbContext db, IOptions<PublisherOptions> options, ILoggerFactory loggers, CancellationToken ct)
    {
        var errors = input.TryToDraft(ArticleDates.ZoneFor(options.Value.Site), out var draft);
        if (draft is null) return TypedResults.ValidationProblem(errors, title: "The article is not valid");
        var result = await ingestor.IngestDraftAsync(draft, input.Hash(), ct);
        // The caller may fetch the feeds next: publish before answering. The article is stored by now, so a failure here
        // is the publisher's to retry (it heard of the change too), not a 500 that makes the client post again.
        if (result.Outcome != IngestOutcome.Unchanged)
        {
            try
            {
                await feeds.ApplyAsync(new HashSet<int>(await db.Articles.Where(a => a.Slug == result.Name).Select(a => a.Id).ToListAsync(ct)), ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                loggers.CreateLogger(typeof(ArticlesApi)).LogError(ex, "Article '{Slug}' is stored; publishing its feeds failed and is left to the next pass", result.Name);
            }
        }
        var body = new IngestResponse(result.Outcome.ToString().ToLowerInvariant(), result.Name, result.Detail);
        return result.Outcome == IngestOutcome.Added
            ? TypedResults.Created($"/api/articles/{Uri.EscapeDataString(result.Name)}", body)
            : TypedResults.Ok(body);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(string slug, PublisherDbContext db, FeedStore feeds, CancellationToken ct)
    {
        var ids = await db.Articles.Where(a => a.Slug == slug).Select(a => a.Id).ToListAsync(ct);
        int deleted = await db.Articles.Where(a => a.Slug == slug).ExecuteDeleteAsync(ct);
        if (deleted == 0) return NotFound(slug);
        await feeds.ApplyAsync(ids.ToHashSet(), ct);
        return TypedResults.NoContent();
    }

    public static ArticleItem ToItem(Article a) => new(a.Slug, a.Title, a.PublishedAt, a.Category, a.Author, a.Source, a.TagList.ToList(), a.Summary);

    private static ProblemHttpResult NotFound(string slug) =>
        TypedResults.Problem(statusCode: 404, title: "No such article", detail: $"No article has the slug '{slug}'.");
}
