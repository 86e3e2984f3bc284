using Microsoft.EntityFrameworkCore;
using Publisher.Data;

namespace Publisher.Digests;

/// <summary>
/// A digest whose mail server cannot be reached (or refuses the login) is paused as a whole, instead of each of its
/// rows failing in turn: no row is claimed until the pause ends, and the first claim after it is the probe. Pauses in
/// a row wait longer each time (the retry delays); a server unreachable for longer than RetryFor fails the rows that
/// are still waiting, as an MTA bounces what outlived its queue lifetime. The first message that gets through ends it.
/// </summary>
public static class DigestPauses
{
    /// <summary>
    /// Probes of a server that is down are no further apart than this, whatever the retry delays say: a probe costs one
    /// connection attempt, and the digest should go out soon after the server is back, not an hour later.
    /// </summary>
    public static readonly TimeSpan LongestPause = TimeSpan.FromMinutes(5);

    public sealed record Pause(DateTime? UntilUtc, int Failed);

    public static async Task<Pause> PauseAsync(PublisherDbContext db, int digestId, string why, RetrySchedule retries, DateTime now)
    {
        var digest = await db.Digests.AsNoTracking().Where(d => d.Id == digestId)
            .Select(d => new { d.Pauses, d.PausedSinceUtc, d.PausedUntilUtc }).SingleAsync();
        if (digest.PausedUntilUtc > now) return new Pause(digest.PausedUntilUtc, 0); // another worker paused it already
        var since = digest.PausedSinceUtc ?? now;
        string reason = DeliveryLedger.Trim(why);
        if (retries.GaveUp(since, now))
        {
            string gaveUp = DeliveryLedger.Trim($"not sent: the mail server could not be reached for {retries.RetryFor} (since {since:u}): {why}");
            int failed = await db.Deliveries.Where(d => d.DigestId == digestId && d.State == DeliveryState.Pending)
                .ExecuteUpdateAsync(d => d.SetProperty(x => x.State, DeliveryState.Failed).SetProperty(x => x.LastReply, gaveUp).SetProperty(x => x.UpdatedUtc, now));
            await ClearAsync(db, digestId);
            return new Pause(null, failed);
        }
        var delay = retries.DelayAfter(digest.Pauses + 1);
        var until = now + (delay < LongestPause ? delay : LongestPause);
        await db.Digests.Where(d => d.Id == digestId && (d.PausedUntilUtc == null || d.PausedUntilUtc <= now))
            .ExecuteUpdateAsync(d => d
                .SetProperty(x => x.PausedUntilUtc, until)
                .SetProperty(x => x.PausedSinceUtc, since)
                .SetProperty(x => x.PauseReason, reason)
                .SetProperty(x => x.Pauses, x => x.Pauses + 1));
        return new Pause(until, 0);
    }

    /// <summary>A message got through: the outage is over.</summary>
    public static Task<int> ClearAsync(PublisherDbContext db, int digestId) =>
        db.Digests.Where(d => d.Id == digestId && (d.Pauses > 0 || d.PausedUntilUtc != null))
            .ExecuteUpdateAsync(d => d
                .SetProperty(x => x.PausedUntilUtc, (DateTime?)null)
                .SetProperty(x => x.PausedSinceUtc, (DateTime?)null)
                .SetProperty(x => x.PauseReason, (string?)null)
                .SetProperty(x => x.Pauses, 0));
}
