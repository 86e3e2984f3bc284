using Hangfire;
using Microsoft.EntityFrameworkCore;
using Publisher.Data;

namespace Publisher.Digests;

/// <summary>
/// Resumes digests a crash left half sent. At start, rows this machine's dead processes had claimed go back to
/// Pending at once (their claims would otherwise wait out the lease); then, every few seconds, a digest with
/// unsent rows and no recent progress gets its batch jobs queued again.
/// </summary>
public sealed class DigestResumer(IServiceScopeFactory scopes, ILogger<DigestResumer> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Stalled = TimeSpan.FromSeconds(10);
    private readonly ResumeBackoff _backoff = new(Stalled, TimeSpan.FromHours(1));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try { await ReleaseDeadClaimsAsync(stoppingToken); }
        catch (Exception ex) when (ex is not OperationCanceledException) { logger.LogError(ex, "Releasing claims of dead processes failed"); }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ResumeStalledAsync(stoppingToken);
                await Task.Delay(Period, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception ex)
            {
                logger.LogError(ex, "Resuming digests failed; retrying shortly");
                await Task.Delay(Period, CancellationToken.None);
            }
        }
    }

    private async Task ReleaseDeadClaimsAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        string prefix = Environment.MachineName + ":";
        var owners = await db.Deliveries.Where(d => d.State == DeliveryState.Sending && d.ClaimedBy != null && d.ClaimedBy.StartsWith(prefix))
            .Select(d => d.ClaimedBy!).Distinct().ToListAsync(ct);
        foreach (var owner in owners)
        {
            if (!int.TryParse(owner.Split(':')[1], out int pid) || IsAlive(pid)) continue;
            int released = await db.Deliveries.Where(d => d.ClaimedBy == owner && d.State == DeliveryState.Sending)
                .ExecuteUpdateAsync(d => d.SetProperty(x => x.State, DeliveryState.Pending).SetProperty(x => x.ClaimedBy, (string?)null), ct);
            logger.LogWarning("Released {Count} deliveries claimed by process {Pid}, which is gone", released, pid);
        }
    }

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
    }

    private async Task ResumeStalledAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        var quietSince = DateTime.UtcNow - Stalled;
        var expired = DateTime.UtcNow - DigestSender.ClaimLease;
        // Two queries, one per state, so each walks the (State, DigestId, UpdatedUtc) index over open rows only; one
        // query with the states OR-ed together scanned the whole ledger, every delivery ever sent, every 5 seconds.
        var pending = await db.Deliveries.Where(d => d.State == DeliveryState.Pending)
            .GroupBy(d => d.DigestId).Select(g => new { DigestId = g.Key, Open = g.Count(), Last = g.Max(d => d.UpdatedUtc) }).ToListAsync(ct);
        var abandoned = await db.Deliveries.Where(d => d.State == DeliveryState.Sending && d.ClaimedUtc < expired)
            .GroupBy(d => d.DigestId).Select(g => new { DigestId = g.Key, Open = g.Count(), Last = g.Max(d => d.UpdatedUtc) }).ToListAsync(ct);
        // A digest some worker holds a live claim on is being sent, however old its waiting rows look.
        var busy = (await db.Deliveries.Where(d => d.State == DeliveryState.Sending && d.ClaimedUtc >= expired)
            .Select(d => d.DigestId).Distinct().ToListAsync(ct)).ToHashSet();
        var stalled = pending.Concat(abandoned).GroupBy(x => x.DigestId)
            .Where(g => !busy.Contains(g.Key) && g.Max(x => x.Last) < quietSince)
            .Select(g => new { DigestId = g.Key, Open = g.Sum(x => x.Open) }).ToList();
        var now = DateTime.UtcNow;
        _backoff.Forget(now);
        foreach (var (digestId, open) in stalled.Select(s => (s.DigestId, s.Open)))
        {
            if (!_backoff.TryResume(digestId, open, now, out int resumes, out var wait)) continue;
            // Touch the rows first, so the next pass does not queue the same batches again before they start.
            await db.Deliveries.Where(d => d.DigestId == digestId && d.State == DeliveryState.Pending)
                .ExecuteUpdateAsync(d => d.SetProperty(x => x.UpdatedUtc, DateTime.UtcNow), ct);
            int batches = await scope.ServiceProvider.GetRequiredService<DigestJobs>().QueueBatchesAsync(digestId);
            logger.LogWarning("Digest {Digest} had stalled; queued {Batches} batch jobs to resume it (resume {Resumes}; the next no sooner than {Wait})",
                digestId, batches, resumes, wait);
        }
    }
}
