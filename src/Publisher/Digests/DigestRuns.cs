using Microsoft.EntityFrameworkCore;
using Publisher.Data;
using Publisher.Hosting;
using Publisher.Subscribers;

namespace Publisher.Digests;

/// <summary>
/// A digest's lifecycle as the API and the CLI ask for it: make the next one (once), reopen what failed for a retry,
/// and, for the CLI, send what is due now and wait. The service sends through Hangfire batch jobs instead
/// (<see cref="DigestJobs"/>), and the resumer keeps what is left moving.
/// </summary>
public sealed class DigestRuns(PublisherDbContext db, DigestPlanner planner, DigestSender sender, IConfiguration configuration, ProcessLease lease,
    TimeProvider clock)
{
    /// <param name="Nothing">Why no digest was sent, when none was.</param>
    /// <param name="Waiting">Deliveries of these digests still waiting for a later try, the earliest due at <paramref name="NextTryUtc"/>.</param>
    public sealed record Result(int? DigestId, int Articles, DigestSender.Outcome Outcome, string? Nothing = null, int Waiting = 0, DateTime? NextTryUtc = null);

    /// <summary>
    /// Makes the list's next digest if anything is new; either way returns the digests of the list that have rows
    /// waiting (oldest first, the new one last), or why there is nothing to send.
    /// </summary>
    public async Task<(IReadOnlyList<int> Digests, string? Nothing)> PlanAsync(MailingList list, CancellationToken ct = default)
    {
        var made = await planner.CreateAsync(list, ct);
        var waiting = await db.Deliveries.Where(d => d.Digest.ListId == list.Id && d.State == DeliveryState.Pending)
            .Select(d => d.DigestId).Distinct().OrderBy(id => id).ToListAsync(ct);
        if (made is not null && !waiting.Contains(made.Id)) waiting.Add(made.Id);
        if (waiting.Count > 0) return (waiting, null);
        string why = await planner.HasRecipientsAsync(list, ct)
            ? $"nothing new for '{list.Name}' since its last digest"
            : $"'{list.Name}' has no confirmed members (or all of them paused their mail); no digest was made";
        return ([], why);
    }

    /// <summary>Makes the next digest and sends what is due now of it and of earlier unfinished ones.</summary>
    public async Task<Result> RunAsync(MailingList list, CancellationToken ct = default)
    {
        await RecoverAsync(ct);
        var (digests, nothing) = await PlanAsync(list, ct);
        if (digests.Count == 0) return new Result(null, 0, DigestSender.Outcome.None, nothing);
        var outcome = DigestSender.Outcome.None;
        foreach (int id in digests)
        {
            if (ct.IsCancellationRequested) break;
            outcome = Add(outcome, await sender.SendAsync(id, PublicUrls.Base(configuration), ct));
        }
        int last = digests[^1];
        // Not cancellable from here: after a stop (Ctrl+C) the report of what was sent, failed or is unknown still comes.
        var articles = (await db.Digests.AsNoTracking().SingleAsync(d => d.Id == last, CancellationToken.None)).ArticleIdList.Count;
        var (waiting, next) = await WaitingAsync(digests, CancellationToken.None);
        return new Result(last, articles, outcome, null, waiting, next);
    }

    /// <summary>
    /// Reopens the digest's Failed and Unknown deliveries (or one of them) as Pending, due now, with their tries counted
    /// afresh; returns how many. The admin's decision: an Unknown one may reach someone twice (same Message-ID).
    /// </summary>
    public async Task<int> ReopenAsync(int digestId, long? onlyDelivery = null, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = db.Deliveries.Where(d => d.DigestId == digestId && (d.State == DeliveryState.Failed || d.State == DeliveryState.Unknown));
        if (onlyDelivery is { } id) rows = rows.Where(d => d.Id == id);
        return await rows.ExecuteUpdateAsync(d => d
            .SetProperty(x => x.State, DeliveryState.Pending)
            .SetProperty(x => x.Attempts, 0)
            .SetProperty(x => x.FirstFailedUtc, (DateTime?)null)
            .SetProperty(x => x.DueUtc, now)
            .SetProperty(x => x.UpdatedUtc, now), ct);
    }

    /// <summary>The CLI's retry: reopen, then send now and wait.</summary>
    public async Task<(int Reopened, DigestSender.Outcome Outcome)> RetryAsync(int digestId, CancellationToken ct = default)
    {
        await RecoverAsync(ct);
        int reopened = await ReopenAsync(digestId, null, ct);
        var outcome = reopened == 0 ? DigestSender.Outcome.None : await sender.SendAsync(digestId, PublicUrls.Base(configuration), ct);
        return (reopened, outcome);
    }

    /// <summary>How many deliveries of these digests wait, and when the first of them (or the end of a pause) is due.</summary>
    public async Task<(int Waiting, DateTime? NextTryUtc)> WaitingAsync(IReadOnlyCollection<int> digests, CancellationToken ct = default)
    {
        var ids = digests.ToList();
        var open = db.Deliveries.Where(d => ids.Contains(d.DigestId) && d.State == DeliveryState.Pending);
        int waiting = await open.CountAsync(ct);
        if (waiting == 0) return (0, null);
        var due = await open.MinAsync(d => d.DueUtc, ct);
        var paused = await db.Digests.Where(d => ids.Contains(d.Id) && d.PausedUntilUtc != null).MaxAsync(d => d.PausedUntilUtc, ct);
        return (waiting, paused > due ? paused : due);
    }

    /// <summary>Without a running service (a CLI-only site), what a crashed earlier run held is taken back here.</summary>
    private Task RecoverAsync(CancellationToken ct) => DeadProcesses.RecoverAsync(db, lease.LiveSince, clock.GetUtcNow().UtcDateTime, ct);

    private static DigestSender.Outcome Add(DigestSender.Outcome a, DigestSender.Outcome b) =>
        new(a.Sent + b.Sent, a.Failed + b.Failed, a.Unknown + b.Unknown, a.Skipped + b.Skipped)
        {
            Deferred = a.Deferred + b.Deferred,
            PausedBecause = b.PausedBecause ?? a.PausedBecause,
            PausedUntilUtc = b.PausedUntilUtc ?? a.PausedUntilUtc,
            Failures = [.. a.Failures, .. b.Failures],
            Errors = [.. a.Errors, .. b.Errors],
            Uncomposed = [.. a.Uncomposed, .. b.Uncomposed],
        };
}
