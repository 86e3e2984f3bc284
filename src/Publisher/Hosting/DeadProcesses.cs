using Microsoft.EntityFrameworkCore;
using Publisher.Data;

namespace Publisher.Hosting;

/// <summary>
/// Takes back what processes that stopped renewing their registration held (a delivery's claim is
/// <c>{process id}#{claim}</c>, see <see cref="Digests.DeliveryLedger"/>). A ledger row a dead process had only
/// claimed is Pending again; one it was handing to the server (Submitting) becomes Unknown, because the server may
/// have it: only an admin sends it again. A confirmation mail it was sending is due again (a rare second mail, never
/// none). Claims a live process left untouched for <see cref="StaleClaim"/> are settled the same way. Then the dead
/// registrations are removed.
/// </summary>
public static class DeadProcesses
{
    // A claim belongs to a process when it starts with "{process id}#": a prefix compared as a string, which SQLite and
    // PostgreSQL both read the same way (LIKE would take a '_' or '%' in a machine name as a wildcard).
    public const string UnknownReason = "the process sending it stopped while handing it to the server; the server may have it";
    public const string StaleReason = "no outcome was recorded for it long after it was handed to the server (the sender failed); the server may have it";
    /// <summary>
    /// A claim untouched this long, by a process that is still alive, was dropped by a worker that failed (its database
    /// went away mid-chunk, say): no send takes nearly as long (claims are sized to about a minute of sending).
    /// </summary>
    public static readonly TimeSpan StaleClaim = TimeSpan.FromMinutes(30);

    public sealed record Recovered(int Pending, int Unknown, int Confirmations, IReadOnlyList<string> Dead);

    public static async Task<Recovered> RecoverAsync(PublisherDbContext db, DateTime liveSince, DateTime now, CancellationToken ct = default)
    {
        // A process of this machine that is gone (a crash, then a restart) need not wait out its registration.
        var instances = await db.HostProcesses.AsNoTracking().Where(p => p.SeenUtc >= liveSince && p.Instance != null)
            .Select(p => new { p.Id, p.Instance }).ToListAsync(ct);
        var gone = instances.Where(p => LocalProcess.IsGone(p.Instance)).Select(p => p.Id).ToList();
        if (gone.Count > 0) await db.HostProcesses.Where(p => gone.Contains(p.Id)).ExecuteDeleteAsync(ct);

        int unknown = await db.Database.ExecuteSqlAsync($"""
            UPDATE "Deliveries" SET "State" = 'Unknown', "LastReply" = {UnknownReason}, "ClaimedBy" = NULL, "UpdatedUtc" = {now}
            WHERE "State" = 'Submitting'
              AND NOT EXISTS (SELECT 1 FROM "HostProcesses" p WHERE p."SeenUtc" >= {liveSince} AND substr("ClaimedBy", 1, length(p."Id") + 1) = p."Id" || '#')
            """, ct);
        int pending = await db.Database.ExecuteSqlAsync($"""
            UPDATE "Deliveries" SET "State" = 'Pending', "ClaimedBy" = NULL, "UpdatedUtc" = {now}
            WHERE "State" = 'Sending'
              AND NOT EXISTS (SELECT 1 FROM "HostProcesses" p WHERE p."SeenUtc" >= {liveSince} AND substr("ClaimedBy", 1, length(p."Id") + 1) = p."Id" || '#')
            """, ct);
        int confirmations = await db.Database.ExecuteSqlAsync($"""
            UPDATE "Memberships" SET "ConfirmationClaimedBy" = NULL
            WHERE "ConfirmationClaimedBy" IS NOT NULL
              AND "ConfirmationClaimedBy" NOT IN (SELECT "Id" FROM "HostProcesses" WHERE "SeenUtc" >= {liveSince})
            """, ct);
        // Claims a live process dropped: untried rows are due again, handed-over ones may have gone out.
        var stale = now - StaleClaim;
        unknown += await db.Database.ExecuteSqlAsync($"""
            UPDATE "Deliveries" SET "State" = 'Unknown', "LastReply" = {StaleReason}, "ClaimedBy" = NULL, "UpdatedUtc" = {now}
            WHERE "State" = 'Submitting' AND "UpdatedUtc" < {stale}
            """, ct);
        pending += await db.Database.ExecuteSqlAsync($"""
            UPDATE "Deliveries" SET "State" = 'Pending', "ClaimedBy" = NULL, "UpdatedUtc" = {now}
            WHERE "State" = 'Sending' AND "UpdatedUtc" < {stale}
            """, ct);
        var expired = await db.HostProcesses.Where(p => p.SeenUtc < liveSince).Select(p => p.Id).ToListAsync(ct);
        if (expired.Count > 0) await db.HostProcesses.Where(p => expired.Contains(p.Id)).ExecuteDeleteAsync(ct);
        return new Recovered(pending, unknown, confirmations, [.. gone, .. expired]);
    }
}
