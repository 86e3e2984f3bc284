using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Publisher.Admin;
using Publisher.Data;

namespace Publisher.Bounces;

/// <summary>
/// Admin API of the bounce mailbox: <c>GET /api/bounces</c> (counters and how the passes went),
/// <c>GET /api/bounces/reports</c> (the reports read, newest first) and <c>POST /api/bounces/poll</c> (a pass now).
/// </summary>
public static class BouncesApi
{
    /// <param name="Processed">Every report read, each once, whatever it was.</param>
    public sealed record ReportCounts(int Processed, int Hard, int Soft, int Complaints, int Other, int Unmatched, int Malformed);
    /// <param name="Passes">Passes of this process since it started; <paramref name="FailedPasses"/> of them failed.</param>
    public sealed record StatusView(bool Enabled, string? Mailbox, ReportCounts Counts, int Passes, int FailedPasses, DateTime? LastPassAt,
        DateTime? LastSuccessAt, string? LastError, DateTime? LastErrorAt);
    public sealed record ReportView(long Id, string Kind, DateTime ReceivedAt, string? Recipient, string? Status, string? Detail, long? DeliveryId, string Key);
    public sealed record PollView(PassResult Pass, StatusView Status);

    public static IEndpointRouteBuilder MapBouncesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/bounces").WithTags("Bounces").RequireAuthorization(AdminKeyAuthentication.Policy);
        api.MapGet("/", Status);
        api.MapGet("/reports", Reports);
        api.MapPost("/poll", Poll);
        return app;
    }

    public static async Task<Ok<StatusView>> Status(BounceMailbox mailbox, PublisherDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await StatusAsync(mailbox, db, ct));

    /// <summary>Reads the mailbox now, waiting for a pass already under way, and answers with what the pass did.</summary>
    public static async Task<Results<Ok<PollView>, ProblemHttpResult>> Poll(BounceMailbox mailbox, PublisherDbContext db, CancellationToken ct)
    {
        if (!mailbox.Enabled)
            return TypedResults.Problem(statusCode: 409, title: "No bounce mailbox", detail: $"{BounceOptions.Section}:Imap:Host is not set.");
        var pass = await mailbox.RunPassAsync(ct);
        return TypedResults.Ok(new PollView(pass, await StatusAsync(mailbox, db, ct)));
    }

    public static async Task<Results<Ok<PageOf<ReportView>>, ProblemHttpResult>> Reports(PublisherDbContext db, string? kind, int? page, int? pageSize,
        CancellationToken ct)
    {
        int p = page ?? 1, size = pageSize ?? 50;
        if (p < 1 || size is < 1 or > 1000) return TypedResults.Problem(statusCode: 400, title: "Bad paging", detail: "page must be at least 1 and pageSize between 1 and 1000.");
        var query = db.BounceReports.AsNoTracking();
        if (!string.IsNullOrEmpty(kind))
        {
            if (!kind.All(char.IsAsciiLetter) || !Enum.TryParse<ReportKind>(kind, ignoreCase: true, out var k))
                return TypedResults.Problem(statusCode: 400, title: "Bad kind", detail: $"'{kind}' is not hard, soft, complaint, other, unmatched or malformed.");
            query = query.Where(r => r.Kind == k);
        }
        int total = await query.CountAsync(ct);
        long skip = (long)(p - 1) * size;
        var rows = skip >= total ? [] : await query.OrderByDescending(r => r.Id).Skip((int)skip).Take(size).ToListAsync(ct);
        return TypedResults.Ok(new PageOf<ReportView>(rows.Select(r => new ReportView(r.Id, r.Kind.ToString().ToLowerInvariant(), Utc(r.ReceivedUtc),
            r.Recipient, r.Status, r.Detail, r.DeliveryId, r.Key)).ToList(), total, p, size));
    }

    public static async Task<StatusView> StatusAsync(BounceMailbox mailbox, PublisherDbContext db, CancellationToken ct)
    {
        var byKind = await db.BounceReports.GroupBy(r => r.Kind).Select(g => new { Kind = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Kind, g => g.Count, ct);
        int Of(ReportKind kind) => byKind.GetValueOrDefault(kind);
        var counts = new ReportCounts(byKind.Values.Sum(), Of(ReportKind.Hard), Of(ReportKind.Soft), Of(ReportKind.Complaint), Of(ReportKind.Other),
            Of(ReportKind.Unmatched), Of(ReportKind.Malformed));
        var state = mailbox.State;
        return new StatusView(mailbox.Enabled, mailbox.Describe(), counts, state.Passes, state.FailedPasses, Utc(state.LastPassAt), Utc(state.LastSuccessAt),
            state.LastError, Utc(state.LastErrorAt));
    }

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);
    private static DateTime? Utc(DateTime? value) => value is { } v ? Utc(v) : null;
}
