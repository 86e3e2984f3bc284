using Hangfire;
using Microsoft.EntityFrameworkCore;
using Publisher.Data;

namespace Publisher.Digests;

/// <summary>
/// What Hangfire runs. Jobs carry ids only and are safe to run twice: the digest is made once per period, and
/// the ledger's claim, not Hangfire, decides who sends each message.
/// </summary>
public sealed class DigestJobs(PublisherDbContext db, DigestPlanner planner, DigestSender sender, IBackgroundJobClient jobs,
    IConfiguration configuration, Microsoft.Extensions.Options.IOptions<PublisherOptions> options, TimeProvider clock, ILogger<DigestJobs> logger)
{
    /// <summary>Subscribers per batch job: hundreds, never one job per subscriber (queue overhead on SQLite storage).</summary>
    public const int BatchSize = 500;
    public const int MaxBatchJobs = 64;

    /// <summary>The recurring job of a list: make its next digest (if anything is new) and queue its batches.</summary>
    [AutomaticRetry(Attempts = 3)]
    public async Task RunListAsync(int listId)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Id == listId);
        if (list is null) return; // deleted since the schedule fired
        var digest = await planner.CreateAsync(list);
        if (digest is null)
        {
            logger.LogInformation("Nothing new for list {List}; no digest", list.Name);
            return;
        }
        await QueueBatchesAsync(digest.Id);
    }

    /// <summary>Queues enough batch jobs to cover the digest's rows that are due now (<paramref name="due"/>, when the caller counted them).</summary>
    public async Task<int> QueueBatchesAsync(int digestId, int? due = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        int open = due ?? await db.Deliveries.CountAsync(d => d.DigestId == digestId && d.State == DeliveryState.Pending && d.DueUtc <= now);
        // At least one job per SMTP connection while there are chunks enough to share: a 400-member list through a slow
        // server would otherwise go out over one connection. Jobs that find nothing left to claim end at once.
        int connections = options.Value.Smtp.UsesOutbox ? 1 : options.Value.Smtp.MaxConnections;
        int batches = Math.Clamp(Math.Max((open + BatchSize - 1) / BatchSize, Math.Min(connections, (open + DigestSender.ChunkSize - 1) / DigestSender.ChunkSize)),
            0, MaxBatchJobs);
        // Stamped first, so that the resumer, here or in another process, leaves the digest to these jobs while they start.
        await db.Digests.Where(d => d.Id == digestId).ExecuteUpdateAsync(d => d.SetProperty(x => x.QueuedUtc, now));
        for (int i = 0; i < batches; i++) jobs.Enqueue<DigestJobs>(j => j.SendBatchAsync(digestId, CancellationToken.None));
        logger.LogInformation("Digest {Digest}: {Open} deliveries to send in {Batches} batch jobs", digestId, open, batches);
        return batches;
    }

    /// <summary>One batch: claim and send about <see cref="BatchSize"/> rows of the digest, then stop.</summary>
    [AutomaticRetry(Attempts = 3)]
    public async Task SendBatchAsync(int digestId, CancellationToken ct)
    {
        var outcome = await sender.SendAsync(digestId, PublicUrls.Base(configuration), ct, maxRows: BatchSize);
        logger.LogInformation("Digest {Digest} batch: sent {Sent}, failed {Failed}, unknown {Unknown}, skipped {Skipped}, deferred {Deferred}{Paused}",
            digestId, outcome.Sent, outcome.Failed, outcome.Unknown, outcome.Skipped, outcome.Deferred,
            outcome.PausedBecause is null ? "" : $"; paused until {outcome.PausedUntilUtc:u}: {outcome.PausedBecause}");
        // The batch itself went well (the others got theirs), so it succeeds; the deliveries it could not compose get a
        // job of their own that fails, which puts them on the dashboard's Failed page (one per batch, its rows only).
        if (outcome.Uncomposed.Count > 0)
        {
            long[] ids = [.. outcome.Uncomposed];
            jobs.Enqueue<DigestJobs>(j => j.ReportUncomposedAsync(digestId, ids));
        }
    }

    /// <summary>An admin's resend of one delivery (reopened as Pending by the API): this row only.</summary>
    [AutomaticRetry(Attempts = 3)]
    [JobDisplayName("Digest {0}: resend delivery {1}")]
    public async Task ResendAsync(int digestId, long deliveryId, CancellationToken ct)
    {
        var outcome = await sender.SendAsync(digestId, PublicUrls.Base(configuration), ct, onlyDelivery: deliveryId);
        logger.LogInformation("Digest {Digest}: delivery {Delivery} resent: sent {Sent}, failed {Failed}, unknown {Unknown}, deferred {Deferred}",
            digestId, deliveryId, outcome.Sent, outcome.Failed, outcome.Unknown, outcome.Deferred);
    }

    /// <summary>Fails, on purpose and once, naming deliveries of the digest that could not be composed.</summary>
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Digest {0}: deliveries that could not be composed")]
    public async Task ReportUncomposedAsync(int digestId, long[] deliveryIds)
    {
        var shown = deliveryIds.Take(DigestSender.MaxErrorsReported).ToList();
        var rows = await db.Deliveries.AsNoTracking()
            .Where(d => d.DigestId == digestId && shown.Contains(d.Id) && d.State == DeliveryState.Failed && d.LastReply!.StartsWith(DigestSender.NotComposed))
            .OrderBy(d => d.Id)
            .Join(db.Subscribers, d => d.SubscriberId, s => s.Id, (d, s) => new { d.Id, s.Email, d.LastReply })
            .ToListAsync();
        if (rows.Count == 0) return; // resent and delivered since
        throw new DigestCompositionException(
            $"{deliveryIds.Length} deliveries of digest {digestId} could not be composed and were not sent; the others were. " +
            string.Join("; ", rows.Select(r => $"delivery {r.Id} to {r.Email}: {r.LastReply![DigestSender.NotComposed.Length..]}")) +
            (deliveryIds.Length > rows.Count ? $"; and {deliveryIds.Length - rows.Count} more (GET /api/digests/{digestId}/deliveries?state=failed)" : ""));
    }
}

/// <summary>Deliveries that could not be composed, reported on the Hangfire dashboard.</summary>
public sealed class DigestCompositionException(string message) : Exception(message);
