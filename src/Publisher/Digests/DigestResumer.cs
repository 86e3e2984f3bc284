using Microsoft.EntityFrameworkCore;
using Publisher.Data;
using Publisher.Hosting;

namespace Publisher.Digests;

/// <summary>
/// Keeps digests moving without anyone asking: takes back what dead processes held, and queues batch jobs for a digest
/// that has due rows and nobody working on it (after a crash, when deferred rows come due, when a pause ends). It wakes
/// when the next of those is due, and at least every few seconds.
/// </summary>
public sealed class DigestResumer(IServiceScopeFactory scopes, ProcessLease lease, TimeProvider clock, ILogger<DigestResumer> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Shortest = TimeSpan.FromMilliseconds(250);
    /// <summary>After queueing a digest, the time its batch jobs get to start before it is queued again.</summary>
    private static readonly TimeSpan QueuedGrace = TimeSpan.FromSeconds(5);
    private readonly ResumeBackoff _backoff = new(TimeSpan.FromSeconds(10), TimeSpan.FromHours(1));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = Period;
            try
            {
                await lease.EnsureStartedAsync(stoppingToken);
                var next = await RunOnceAsync(stoppingToken);
                wait = next - clock.GetUtcNow().UtcDateTime;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception ex)
            {
                logger.LogError(ex, "Resuming digests failed; retrying shortly");
            }
            try { await Task.Delay(wait < Shortest ? Shortest : wait > Period ? Period : wait, clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One pass; returns when something will next be due.</summary>
    public async Task<DateTime> RunOnceAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var recovered = await DeadProcesses.RecoverAsync(db, lease.LiveSince, now, ct);
        if (recovered.Pending + recovered.Unknown + recovered.Confirmations + recovered.Dead.Count > 0)
            logger.LogWarning("Took back what stopped processes ({Dead}) held: {Pending} deliveries to send, {Unknown} with an unknown outcome, {Confirmations} confirmation mails",
                string.Join(", ", recovered.Dead), recovered.Pending, recovered.Unknown, recovered.Confirmations);

        // One grouped walk of the (State, DigestId, DueUtc) index over Pending rows, never the whole ledger.
        var waiting = await db.Deliveries.Where(d => d.State == DeliveryState.Pending)
            .GroupBy(d => d.DigestId)
            .Select(g => new { DigestId = g.Key, Open = g.Count(), Due = g.Count(d => d.DueUtc <= now), NextDue = g.Min(d => d.DueUtc), Touched = g.Max(d => d.UpdatedUtc) })
            .ToListAsync(ct);
        var next = now + Period;
        if (waiting.Count == 0) return next;
        var ids = waiting.Select(w => w.DigestId).ToList();
        var busy = (await db.Deliveries.Where(d => d.State == DeliveryState.Sending || d.State == DeliveryState.Submitting)
            .Select(d => d.DigestId).Distinct().ToListAsync(ct)).ToHashSet();
        var digests = await db.Digests.AsNoTracking().Where(d => ids.Contains(d.Id))
            .ToDictionaryAsync(d => d.Id, d => new { d.PausedUntilUtc, d.QueuedUtc }, ct);
        _backoff.Forget(now);
        foreach (var w in waiting)
        {
            if (busy.Contains(w.DigestId) || !digests.TryGetValue(w.DigestId, out var digest)) continue; // being sent (its workers wait for due rows)
            var ready = w.NextDue > (digest.PausedUntilUtc ?? DateTime.MinValue) ? w.NextDue : digest.PausedUntilUtc!.Value;
            if (ready > now)
            {
                if (ready < next) next = ready;
                continue;
            }
            // Queued a moment ago, after it became ready: its batches are about to start.
            if (digest.QueuedUtc is { } queued && queued >= ready && now - queued < QueuedGrace)
            {
                if (queued + QueuedGrace < next) next = queued + QueuedGrace;
                continue;
            }
            // A digest whose rows nobody touched since the last resume (its template throws, say) waits longer each time.
            if (!_backoff.TryResume(w.DigestId, w.Touched.Ticks, now, out int resumes, out var backoff))
            {
                if (now + backoff < next) next = now + backoff;
                continue;
            }
            int batches = await scope.ServiceProvider.GetRequiredService<DigestJobs>().QueueBatchesAsync(w.DigestId, w.Due);
            logger.LogInformation("Digest {Digest}: {Due} of {Open} waiting deliveries are due; queued {Batches} batch jobs (resume {Resumes})",
                w.DigestId, w.Due, w.Open, batches, resumes);
        }
        return next;
    }
}
