using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Publisher.Admin;
using Publisher.Data;
using Publisher.Subscribers;
using Publisher.Templates.Digest;

namespace Publisher.Digests;

/// <summary>Admin API for digests: send now, list, counts per state, preview.</summary>
public static class DigestsApi
{
    public sealed record Counts(int Pending, int Sending, int Sent, int Failed, int Unknown);
    public sealed record DigestView(int Id, string List, DateTime CreatedAt, IReadOnlyList<int> Articles, int MoreArticles, Counts Counts);
    public sealed record DeliveryView(long Id, string Email, string State, int Attempts, string? LastReply, string MessageId, DateTime UpdatedAt, DateTime? SentAt);

    public static IEndpointRouteBuilder MapDigestsApi(this IEndpointRouteBuilder app)
    {
        var lists = app.MapGroup("/api/lists/{name}/digests").WithTags("Digests").RequireAuthorization(AdminKeyAuthentication.Policy);
        lists.MapGet("/", ForList);
        lists.MapPost("/", SendNow);
        lists.MapGet("/preview", Preview);
        var digests = app.MapGroup("/api/digests/{id:int}").WithTags("Digests").RequireAuthorization(AdminKeyAuthentication.Policy);
        digests.MapGet("/", One);
        digests.MapGet("/deliveries", Deliveries);
        digests.MapPost("/deliveries/{deliveryId:long}/resend", Resend);
        return app;
    }

    public static async Task<Results<Ok<List<DigestView>>, ProblemHttpResult>> ForList(string name, PublisherDbContext db, CancellationToken ct)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListsApi.NoSuchList(name);
        var digests = await db.Digests.AsNoTracking().Where(d => d.ListId == list.Id).OrderByDescending(d => d.Id).Take(100).ToListAsync(ct);
        var views = new List<DigestView>();
        foreach (var d in digests) views.Add(await ViewAsync(db, d, list.Name, ct));
        return TypedResults.Ok(views);
    }

    public static async Task<Results<Ok<DigestView>, ProblemHttpResult>> One(int id, PublisherDbContext db, CancellationToken ct)
    {
        var digest = await db.Digests.AsNoTracking().Include(d => d.List).SingleOrDefaultAsync(d => d.Id == id, ct);
        if (digest is null) return TypedResults.Problem(statusCode: 404, title: "No such digest", detail: $"There is no digest {id}.");
        return TypedResults.Ok(await ViewAsync(db, digest, digest.List.Name, ct));
    }

    /// <summary>The deliveries of a digest, optionally of one state (<c>?state=unknown</c> lists those an admin should look at).</summary>
    public static async Task<Results<Ok<List<DeliveryView>>, ProblemHttpResult>> Deliveries(int id, string? state, PublisherDbContext db, CancellationToken ct)
    {
        if (!await db.Digests.AnyAsync(d => d.Id == id, ct)) return TypedResults.Problem(statusCode: 404, title: "No such digest", detail: $"There is no digest {id}.");
        var query = db.Deliveries.AsNoTracking().Where(d => d.DigestId == id);
        if (!string.IsNullOrEmpty(state))
        {
            if (!Enum.TryParse<DeliveryState>(state, ignoreCase: true, out var s))
                return TypedResults.Problem(statusCode: 400, title: "Bad state", detail: $"'{state}' is not pending, sending, sent, failed or unknown.");
            query = query.Where(d => d.State == s);
        }
        var rows = await (from d in query
                          join sub in db.Subscribers on d.SubscriberId equals sub.Id
                          orderby d.Id
                          select new { d.Id, sub.Email, d.State, d.Attempts, d.LastReply, d.MessageId, d.UpdatedUtc, d.SentUtc }).Take(1000).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(r => new DeliveryView(r.Id, r.Email, r.State.ToString().ToLowerInvariant(), r.Attempts, r.LastReply, r.MessageId,
            DateTime.SpecifyKind(r.UpdatedUtc, DateTimeKind.Utc), r.SentUtc is { } s ? DateTime.SpecifyKind(s, DateTimeKind.Utc) : null)).ToList());
    }

    /// <summary>
    /// The admin's decision for an <c>Unknown</c> (or <c>Failed</c>) delivery: send it again, now. The message keeps its
    /// Message-ID, so a recipient whose server did get the first one can recognise the repeat.
    /// </summary>
    public static async Task<Results<Ok<DeliveryView>, ProblemHttpResult>> Resend(int id, long deliveryId, PublisherDbContext db, DigestSender sender,
        IConfiguration configuration, CancellationToken ct)
    {
        int reopened = await db.Deliveries.Where(d => d.Id == deliveryId && d.DigestId == id && (d.State == DeliveryState.Unknown || d.State == DeliveryState.Failed))
            .ExecuteUpdateAsync(d => d.SetProperty(x => x.State, DeliveryState.Pending).SetProperty(x => x.Attempts, 0).SetProperty(x => x.UpdatedUtc, DateTime.UtcNow), ct);
        if (reopened == 0)
            return TypedResults.Problem(statusCode: 409, title: "Not resendable", detail: $"Delivery {deliveryId} of digest {id} does not exist or is not unknown or failed.");
        await sender.SendAsync(id, PublicUrls.Base(configuration), CancellationToken.None);
        var view = (await Deliveries(id, null, db, ct)).Result is Ok<List<DeliveryView>> ok ? ok.Value!.Single(d => d.Id == deliveryId) : null;
        return TypedResults.Ok(view!);
    }

    /// <summary>Makes the next digest and sends it before answering; 200 with its counts, 204 when nothing is new.</summary>
    public static async Task<Results<Ok<DigestView>, NoContent, ProblemHttpResult>> SendNow(string name, PublisherDbContext db, DigestRuns runs, CancellationToken ct)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListsApi.NoSuchList(name);
        // Not tied to the request: a client that gives up must not cut a send in half.
        var result = await runs.RunAsync(list, CancellationToken.None);
        if (result.DigestId is not { } id) return TypedResults.NoContent();
        var digest = await db.Digests.AsNoTracking().SingleAsync(d => d.Id == id, ct);
        return TypedResults.Ok(await ViewAsync(db, digest, list.Name, ct));
    }

    /// <summary>The next digest as it would go out now (with a sample name and no working unsubscribe link).</summary>
    public static async Task<IResult> Preview(string name, PublisherDbContext db, DigestPlanner planner, DigestComposer composer, IConfiguration configuration,
        CancellationToken ct)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListsApi.NoSuchList(name);
        string? html = await PreviewHtmlAsync(list, planner, composer, PublicUrls.Base(configuration), ct);
        return html is null
            ? TypedResults.Problem(statusCode: 404, title: "Nothing to send", detail: $"No article is new for '{name}' since its last digest.")
            : TypedResults.Content(html, "text/html; charset=utf-8");
    }

    public static async Task<string?> PreviewHtmlAsync(MailingList list, DigestPlanner planner, DigestComposer composer, string baseUrl, CancellationToken ct)
    {
        var plan = await planner.NextAsync(list, ct);
        if (plan.Articles.Count == 0) return null;
        var rendered = await composer.RenderAsync(list, plan.Articles, plan.MoreArticles, baseUrl, DateTimeOffset.UtcNow);
        return rendered.Email.Html.Replace(DigestModel.NamePlaceholder, "读者").Replace(DigestModel.UnsubscribePlaceholder, "#unsubscribe");
    }

    private static async Task<DigestView> ViewAsync(PublisherDbContext db, Digest d, string list, CancellationToken ct)
    {
        var counts = await db.Deliveries.Where(x => x.DigestId == d.Id).GroupBy(x => x.State).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        int Of(DeliveryState s) => counts.GetValueOrDefault(s);
        return new DigestView(d.Id, list, DateTime.SpecifyKind(d.CreatedUtc, DateTimeKind.Utc), d.ArticleIdList, d.MoreArticles,
            new Counts(Of(DeliveryState.Pending), Of(DeliveryState.Sending), Of(DeliveryState.Sent), Of(DeliveryState.Failed), Of(DeliveryState.Unknown)));
    }
}
