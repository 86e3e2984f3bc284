using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Publisher.Admin;
using Publisher.Data;
using Publisher.Subscribers;
using Publisher.Templates.Digest;

namespace Publisher.Digests;

/// <summary>
/// Admin API for digests: send now, retry, resend, list, counts per state, preview. Sending never happens inside the
/// request: it is queued as Hangfire jobs, and the answer is 202 with a Location to poll.
/// </summary>
public static class DigestsApi
{
    public sealed record Counts(int Pending, int Sending, int Sent, int Failed, int Unknown);
    /// <param name="Waiting">Pending rows whose next try is later (deferred), and when the earliest is due.</param>
    /// <param name="PausedUntil">Set while the mail server could not be reached, with the reason.</param>
    public sealed record DigestView(int Id, string List, DateTime CreatedAt, IReadOnlyList<int> Articles, int MoreArticles, Counts Counts,
        int Waiting, DateTime? NextTryAt, DateTime? PausedUntil, string? PauseReason);
    public sealed record DeliveryView(long Id, string Email, string State, int Attempts, string? LastReply, string MessageId, DateTime UpdatedAt, DateTime? SentAt,
        DateTime? DueAt);
    public sealed record RetryView(int Reopened, DigestView Digest);

    public static IEndpointRouteBuilder MapDigestsApi(this IEndpointRouteBuilder app)
    {
        var lists = app.MapGroup("/api/lists/{name}/digests").WithTags("Digests").RequireAuthorization(AdminKeyAuthentication.Policy);
        lists.MapGet("/", ForList);
        lists.MapPost("/", SendNow);
        lists.MapGet("/preview", Preview);
        var digests = app.MapGroup("/api/digests/{id:int}").WithTags("Digests").RequireAuthorization(AdminKeyAuthentication.Policy);
        digests.MapGet("/", One);
        digests.MapPost("/retry", Retry);
        digests.MapGet("/deliveries", Deliveries);
        digests.MapGet("/deliveries/{deliveryId:long}", Delivery);
        digests.MapPost("/deliveries/{deliveryId:long}/resend", Resend);
        return app;
    }

    public static async Task<Results<Ok<List<DigestView>>, ProblemHttpResult>> ForList(string name, PublisherDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListsApi.NoSuchList(name);
        var digests = await db.Digests.AsNoTracking().Where(d => d.ListId == list.Id).OrderByDescending(d => d.Id).Take(100).ToListAsync(ct);
        var views = new List<DigestView>();
        foreach (var d in digests) views.Add(await ViewAsync(db, d, list.Name, clock, ct));
        return TypedResults.Ok(views);
    }

    public static async Task<Results<Ok<DigestView>, ProblemHttpResult>> One(int id, PublisherDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var digest = await db.Digests.AsNoTracking().Include(d => d.List).SingleOrDefaultAsync(d => d.Id == id, ct);
        if (digest is null) return NoSuchDigest(id);
        return TypedResults.Ok(await ViewAsync(db, digest, digest.List.Name, clock, ct));
    }

    /// <summary>The deliveries of a digest, optionally of one state (<c>?state=unknown</c> lists those an admin should look at).</summary>
    public static async Task<Results<Ok<List<DeliveryView>>, ProblemHttpResult>> Deliveries(int id, string? state, PublisherDbContext db, CancellationToken ct)
    {
        if (!await db.Digests.AnyAsync(d => d.Id == id, ct)) return NoSuchDigest(id);
        var query = db.Deliveries.AsNoTracking().Where(d => d.DigestId == id);
        if (!string.IsNullOrEmpty(state))
        {
            if (!Enum.TryParse<DeliveryState>(state, ignoreCase: true, out var s) || !Enum.IsDefined(s))
                return TypedResults.Problem(statusCode: 400, title: "Bad state", detail: $"'{state}' is not pending, sending, submitting, sent, failed or unknown.");
            query = query.Where(d => d.State == s);
        }
        return TypedResults.Ok(await ViewsAsync(db, query, ct));
    }

    public static async Task<Results<Ok<DeliveryView>, ProblemHttpResult>> Delivery(int id, long deliveryId, PublisherDbContext db, CancellationToken ct)
    {
        var view = (await ViewsAsync(db, db.Deliveries.AsNoTracking().Where(d => d.DigestId == id && d.Id == deliveryId), ct)).SingleOrDefault();
        return view is null
            ? TypedResults.Problem(statusCode: 404, title: "No such delivery", detail: $"Digest {id} has no delivery {deliveryId}.")
            : TypedResults.Ok(view);
    }

    /// <summary>
    /// The admin's decision for an <c>Unknown</c> (or <c>Failed</c>) delivery: send it again. It is reopened and a job sends
    /// this row only; the answer is 202 with the delivery's address to poll. The message keeps its Message-ID, so a
    /// recipient whose server did get the first one can recognise the repeat.
    /// </summary>
    public static async Task<Results<Accepted<DeliveryView>, ProblemHttpResult>> Resend(int id, long deliveryId, PublisherDbContext db, DigestRuns runs,
        IBackgroundJobClient jobs, CancellationToken ct)
    {
        if (await runs.ReopenAsync(id, deliveryId, ct) == 0)
            return TypedResults.Problem(statusCode: 409, title: "Not resendable", detail: $"Delivery {deliveryId} of digest {id} does not exist or is not unknown or failed.");
        jobs.Enqueue<DigestJobs>(j => j.ResendAsync(id, deliveryId, CancellationToken.None));
        var view = (await ViewsAsync(db, db.Deliveries.AsNoTracking().Where(d => d.Id == deliveryId), ct)).Single();
        return TypedResults.Accepted($"/api/digests/{id}/deliveries/{deliveryId}", view);
    }

    /// <summary>Reopens every Failed and Unknown delivery of the digest and queues its batches: 202, poll the digest.</summary>
    public static async Task<Results<Accepted<RetryView>, ProblemHttpResult>> Retry(int id, PublisherDbContext db, DigestRuns runs, DigestJobs jobs,
        TimeProvider clock, CancellationToken ct)
    {
        var digest = await db.Digests.AsNoTracking().Include(d => d.List).SingleOrDefaultAsync(d => d.Id == id, ct);
        if (digest is null) return NoSuchDigest(id);
        int reopened = await runs.ReopenAsync(id, null, ct);
        if (reopened > 0) await jobs.QueueBatchesAsync(id);
        return TypedResults.Accepted($"/api/digests/{id}", new RetryView(reopened, await ViewAsync(db, digest, digest.List.Name, clock, ct)));
    }

    /// <summary>
    /// Makes the next digest (if anything is new) and queues batch jobs for it and for earlier digests of the list with
    /// rows waiting; 202 with the newest digest's address to poll, 204 when there is nothing to send.
    /// </summary>
    public static async Task<Results<Accepted<DigestView>, NoContent, ProblemHttpResult>> SendNow(string name, PublisherDbContext db, DigestRuns runs,
        DigestJobs jobs, TimeProvider clock, CancellationToken ct)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListsApi.NoSuchList(name);
        // Not tied to the request: a client that gives up must not leave a digest half made.
        var (digests, _) = await runs.PlanAsync(list, CancellationToken.None);
        if (digests.Count == 0) return TypedResults.NoContent();
        foreach (int digestId in digests) await jobs.QueueBatchesAsync(digestId);
        int newest = digests[^1];
        var digest = await db.Digests.AsNoTracking().SingleAsync(d => d.Id == newest, ct);
        return TypedResults.Accepted($"/api/digests/{digest.Id}", await ViewAsync(db, digest, list.Name, clock, ct));
    }

    /// <summary>The next digest as it would go out now (with a sample name and no working unsubscribe link).</summary>
    public static async Task<IResult> Preview(string name, PublisherDbContext db, DigestPlanner planner, DigestComposer composer, IConfiguration configuration,
        TimeProvider clock, CancellationToken ct)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListsApi.NoSuchList(name);
        string? html = await PreviewHtmlAsync(list, planner, composer, PublicUrls.Base(configuration), clock, ct);
        return html is null
            ? TypedResults.Problem(statusCode: 404, title: "Nothing to send", detail: $"No article is new for '{name}' since its last digest.")
            : TypedResults.Content(html, "text/html; charset=utf-8");
    }

    public static async Task<string?> PreviewHtmlAsync(MailingList list, DigestPlanner planner, DigestComposer composer, string baseUrl, TimeProvider clock,
        CancellationToken ct)
    {
        var plan = await planner.NextAsync(list, ct);
        if (plan.Articles.Count == 0) return null;
        var rendered = await composer.RenderAsync(list, plan.Articles, plan.MoreArticles, baseUrl, clock.GetUtcNow());
        return rendered.Email.Html.Replace(rendered.NamePlaceholder, "读者").Replace(rendered.UnsubscribePlaceholder, "#unsubscribe")
            .Replace(rendered.ManagePlaceholder, "#manage");
    }

    private static ProblemHttpResult NoSuchDigest(int id) => TypedResults.Problem(statusCode: 404, title: "No such digest", detail: $"There is no digest {id}.");

    private static async Task<List<DeliveryView>> ViewsAsync(PublisherDbContext db, IQueryable<Delivery> query, CancellationToken ct)
    {
        var rows = await (from d in query
                          join sub in db.Subscribers on d.SubscriberId equals sub.Id
                          orderby d.Id
                          select new { d.Id, sub.Email, d.State, d.Attempts, d.LastReply, d.MessageId, d.UpdatedUtc, d.SentUtc, d.DueUtc }).Take(1000).ToListAsync(ct);
        return rows.Select(r => new DeliveryView(r.Id, r.Email, r.State.ToString().ToLowerInvariant(), r.Attempts, r.LastReply, r.MessageId, Utc(r.UpdatedUtc),
            r.SentUtc is { } s ? Utc(s) : null, r.State == DeliveryState.Pending ? Utc(r.DueUtc) : null)).ToList();
    }

    private static async Task<DigestView> ViewAsync(PublisherDbContext db, Digest d, string list, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var counts = await db.Deliveries.Where(x => x.DigestId == d.Id).GroupBy(x => x.State).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var later = db.Deliveries.Where(x => x.DigestId == d.Id && x.State == DeliveryState.Pending && x.DueUtc > now);
        int waiting = await later.CountAsync(ct);
        DateTime? next = waiting > 0 ? Utc(await later.MinAsync(x => x.DueUtc, ct)) : null;
        int Of(DeliveryState s) => counts.GetValueOrDefault(s);
        var paused = d.PausedUntilUtc > now ? d.PausedUntilUtc : null;
        return new DigestView(d.Id, list, Utc(d.CreatedUtc), d.ArticleIdList, d.MoreArticles,
            new Counts(Of(DeliveryState.Pending), Of(DeliveryState.Sending) + Of(DeliveryState.Submitting), Of(DeliveryState.Sent), Of(DeliveryState.Failed),
                Of(DeliveryState.Unknown)),
            waiting, next, paused is { } p ? Utc(p) : null, paused is null ? null : d.PauseReason);
    }

    private static DateTime Utc(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc);
}
