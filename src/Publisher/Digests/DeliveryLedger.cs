using Microsoft.EntityFrameworkCore;
using Publisher.Data;
using Publisher.Subscribers;

namespace Publisher.Digests;

/// <summary>
/// The ledger's state changes for one worker of one process. Each claim gets its own owner, <c>{process id}#{claim}</c>
/// (<see cref="Claim"/>): the process part tells the living from the dead (<see cref="Hosting.DeadProcesses"/>), the claim
/// part keeps one worker's marks and releases off rows another worker of the same process claimed later (after the rows
/// were taken back and claimed again). Every change of a claimed row is conditional on the claim, so a row taken back is
/// never marked by its former holder without it being noticed. Raw SQL, not LINQ: these run once or twice per message, and LINQ's per-call translation
/// cost more CPU than the send. See Digests/README.md for the states.
/// </summary>
public sealed class DeliveryLedger(PublisherDbContext db, WriteGate gate, LedgerMarks marks, TimeProvider clock, Func<string> process)
{
    /// <summary>The owner of this worker's current claim (the rows of its last <see cref="ClaimAsync"/>).</summary>
    public string Claim { get; private set; } = "";

    private string NewClaim() => Claim = $"{process()}#{Guid.NewGuid():N}";

    /// <param name="Categories">The member's chosen categories ('\n'-joined; empty: all).</param>
    /// <param name="PausedUntilUtc">The member's own pause, if any.</param>
    public sealed record Row(long Id, int MembershipId, int SubscriberId, string MessageId, int Attempts, DateTime? FirstFailedUtc,
        string Email, string? Name, MembershipStatus Status, int ConsecutiveBounces, string Categories = "", DateTime? PausedUntilUtc = null);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Claims up to <paramref name="limit"/> Pending rows that are due, in one UPDATE, unless the digest is paused. The
    /// subquery walks the (DigestId, State, DueUtc) index and stops after a chunk; the outer WHERE repeats the state, so
    /// a row a concurrent worker claimed after the subquery ran is skipped. RETURNING names exactly the rows this call
    /// took (each claim has its own owner as well). On PostgreSQL the subquery takes its rows FOR UPDATE SKIP LOCKED.
    /// </summary>
    public async Task<List<Row>> ClaimAsync(int digestId, int limit, CancellationToken ct)
    {
        var now = Now;
        string claim = NewClaim();
        var ids = await gate.RunAsync(db, () => (db.IsPostgres()
            // PostgreSQL: the rows are locked as the subquery picks them, and rows another worker (of this process or
            // another) is claiming are skipped, not waited for: concurrent claims take different rows at once.
            ? db.Database.SqlQuery<long>($"""
                WITH picked AS (
                    SELECT "Id" FROM "Deliveries"
                    WHERE "DigestId" = {digestId} AND "State" = 'Pending' AND "DueUtc" <= {now}
                      AND NOT EXISTS (SELECT 1 FROM "Digests" WHERE "Id" = {digestId} AND "PausedUntilUtc" > {now})
                    ORDER BY "DueUtc", "Id" LIMIT {limit}
                    FOR UPDATE SKIP LOCKED)
                UPDATE "Deliveries" AS d SET "State" = 'Sending', "ClaimedBy" = {claim}, "ClaimedUtc" = {now}, "UpdatedUtc" = {now}
                FROM picked WHERE d."Id" = picked."Id" AND d."State" = 'Pending'
                RETURNING d."Id" AS "Value"
                """)
            : db.Database.SqlQuery<long>($"""
                UPDATE "Deliveries" SET "State" = 'Sending', "ClaimedBy" = {claim}, "ClaimedUtc" = {now}, "UpdatedUtc" = {now}
                WHERE "Id" IN (SELECT "Id" FROM "Deliveries" WHERE "DigestId" = {digestId} AND "State" = 'Pending' AND "DueUtc" <= {now}
                               ORDER BY "DueUtc", "Id" LIMIT {limit})
                  AND "State" = 'Pending'
                  AND NOT EXISTS (SELECT 1 FROM "Digests" WHERE "Id" = {digestId} AND "PausedUntilUtc" > {now})
                RETURNING "Id" AS "Value"
                """)).ToListAsync(ct));
        return ids.Count == 0 ? [] : await HeldAsync(ids, ct);
    }

    /// <summary>Claims one row (an admin's resend), if it is Pending.</summary>
    public async Task<List<Row>> ClaimOneAsync(int digestId, long deliveryId, CancellationToken ct)
    {
        var now = Now;
        string claim = NewClaim();
        int claimed = await gate.RunAsync(db, () => db.Database.ExecuteSqlAsync($"""
            UPDATE "Deliveries" SET "State" = 'Sending', "ClaimedBy" = {claim}, "ClaimedUtc" = {now}, "UpdatedUtc" = {now}
            WHERE "Id" = {deliveryId} AND "DigestId" = {digestId} AND "State" = 'Pending'
            """, ct));
        return claimed == 0 ? [] : await HeldAsync([deliveryId], ct);
    }

    private async Task<List<Row>> HeldAsync(List<long> ids, CancellationToken ct)
    {
        var rows = await (
            from d in db.Deliveries.AsNoTracking()
            where ids.Contains(d.Id) && d.ClaimedBy == Claim && d.State == DeliveryState.Sending
            join m in db.Memberships on d.MembershipId equals m.Id
            join s in db.Subscribers on m.SubscriberId equals s.Id
            orderby d.DueUtc, d.Id
            select new { d.Id, d.MembershipId, d.SubscriberId, d.MessageId, d.Attempts, d.FirstFailedUtc, s.Email, s.Name, m.Status, m.ConsecutiveBounces,
                m.Categories, m.PausedUntilUtc })
            .ToListAsync(ct);
        return rows.Select(r => new Row(r.Id, r.MembershipId, r.SubscriberId, r.MessageId, r.Attempts, r.FirstFailedUtc, r.Email, r.Name, r.Status,
            r.ConsecutiveBounces, r.Categories, r.PausedUntilUtc)).ToList();
    }

    /// <summary>
    /// Records, before the message is handed to the server, that it is about to be: if this process dies from here on,
    /// the row becomes Unknown (the server may have it), not Pending. False if the row is no longer this process's.
    /// </summary>
    public Task<bool> SubmitAsync(long id) => marks.SubmitAsync(id, Claim, Now);

    /// <summary>
    /// A claimed row's outcome: Sent, Failed or Unknown (normally after the hand-over; Failed also for a message the
    /// transport refused before it, such as one it could not sign). False if the row is no longer this process's.
    /// </summary>
    /// <param name="at">The mark's time; give the same <see cref="MarkTime"/> to every try of one outcome, so a try whose
    /// first commit went through without its reply finds the row as its own.</param>
    public Task<bool> FinishAsync(long id, DeliveryState state, string reply, DateTime? at = null)
    {
        var now = at ?? Now;
        // Not cancellable: a message that went out is recorded even while the process stops.
        return marks.FinishAsync(id, Claim, now, state.ToString(), Trim(reply), state == DeliveryState.Sent ? now : null);
    }

    /// <summary>Now, to the microsecond: PostgreSQL keeps no finer time, and a mark compared with its stored time must match.</summary>
    public DateTime MarkTime()
    {
        var now = Now;
        return now.AddTicks(-(now.Ticks % 10));
    }

    /// <summary>A claimed row that was not handed over and never will be (the member left, the mail could not be made).</summary>
    public async Task<bool> FailUnsentAsync(long id, string reason) =>
        await gate.RunAsync(db, () => db.Database.ExecuteSqlAsync($"""
            UPDATE "Deliveries" SET "State" = 'Failed', "LastReply" = {Trim(reason)}, "ClaimedBy" = NULL, "UpdatedUtc" = {Now}
            WHERE "Id" = {id} AND "ClaimedBy" = {Claim} AND "State" = 'Sending'
            """, CancellationToken.None)) == 1;

    /// <summary>The server refused the message for now: Pending again, due at <paramref name="due"/>.</summary>
    public async Task<bool> DeferAsync(long id, DateTime due, DateTime firstFailedUtc, string reply) =>
        await gate.RunAsync(db, () => db.Database.ExecuteSqlAsync($"""
            UPDATE "Deliveries" SET "State" = 'Pending', "DueUtc" = {due}, "FirstFailedUtc" = {firstFailedUtc}, "LastReply" = {Trim(reply)},
                "ClaimedBy" = NULL, "UpdatedUtc" = {Now}
            WHERE "Id" = {id} AND "ClaimedBy" = {Claim} AND "State" = 'Submitting'
            """, CancellationToken.None)) == 1;

    /// <summary>
    /// Gives rows back untried: claimed ones this worker will not get to (a stop, a pause), and a handed-over one whose
    /// send stopped before the message had wholly gone out (its try is not counted).
    /// </summary>
    /// <param name="includeSubmitting">False leaves a row that was being handed over as it is (its send may have gone out).</param>
    public async Task ReleaseAsync(IReadOnlyCollection<long> ids, bool includeSubmitting = true)
    {
        if (ids.Count == 0) return;
        var now = Now;
        string claim = Claim;
        await gate.RunAsync(db, () => db.Deliveries.Where(d => ids.Contains(d.Id) && d.ClaimedBy == claim
                && (d.State == DeliveryState.Sending || (includeSubmitting && d.State == DeliveryState.Submitting)))
            .ExecuteUpdateAsync(d => d
                .SetProperty(x => x.Attempts, x => x.State == DeliveryState.Submitting ? x.Attempts - 1 : x.Attempts)
                .SetProperty(x => x.State, DeliveryState.Pending)
                .SetProperty(x => x.ClaimedBy, (string?)null)
                .SetProperty(x => x.UpdatedUtc, now), CancellationToken.None));
    }

    /// <summary>
    /// Gives back every row still Sending under this worker's current claim. For a claim whose outcome the worker never
    /// learnt: the connection broke after the UPDATE (it may have committed) or while reading the rows back.
    /// </summary>
    public async Task ReleaseClaimAsync()
    {
        string claim = Claim;
        if (claim.Length == 0) return;
        var now = Now;
        await gate.RunAsync(db, () => db.Database.ExecuteSqlAsync($"""
            UPDATE "Deliveries" SET "State" = 'Pending', "ClaimedBy" = NULL, "UpdatedUtc" = {now}
            WHERE "ClaimedBy" = {claim} AND "State" = 'Sending'
            """, CancellationToken.None));
    }

    /// <summary>
    /// This process handed a message over, but its claim had been taken back meanwhile (it was taken for dead): the row
    /// may be resent by someone else, or already was. Unknown, with the reason, unless it is already Sent.
    /// </summary>
    public async Task<bool> RecordLostClaimAsync(long id, string why) =>
        await gate.RunAsync(db, () => db.Database.ExecuteSqlAsync($"""
            UPDATE "Deliveries" SET "State" = 'Unknown', "LastReply" = {Trim(why)}, "ClaimedBy" = NULL, "UpdatedUtc" = {Now}
            WHERE "Id" = {id} AND "State" <> 'Sent'
            """, CancellationToken.None)) == 1;

    /// <summary>What is left of a digest for a worker that found nothing to claim.</summary>
    /// <param name="NextDueUtc">The earliest due time of its Pending rows; null when none is left.</param>
    public sealed record Left(DateTime? NextDueUtc, DateTime? PausedUntilUtc);

    public async Task<Left> LeftAsync(int digestId, CancellationToken ct)
    {
        var next = await db.Deliveries.Where(d => d.DigestId == digestId && d.State == DeliveryState.Pending)
            .OrderBy(d => d.DueUtc).Select(d => (DateTime?)d.DueUtc).FirstOrDefaultAsync(ct);
        var paused = await db.Digests.Where(d => d.Id == digestId).Select(d => d.PausedUntilUtc).SingleAsync(ct);
        return new Left(next, paused > Now ? paused : null);
    }

    public static string Trim(string reply) => reply.Length > 1000 ? reply[..1000] : reply;
}
