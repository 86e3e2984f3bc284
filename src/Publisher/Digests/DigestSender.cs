using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Data;
using Publisher.Email;
using Publisher.Subscribers;

namespace Publisher.Digests;

/// <summary>
/// Sends a digest from its ledger: claim a chunk of rows in one statement, send each, mark each. Several
/// workers (threads, processes, hosts) may run this at once; the claim's re-checked WHERE is what keeps a
/// row from being taken twice, on SQLite (one writer at a time) and on PostgreSQL (the UPDATE re-evaluates
/// the condition on the locked row). See Digests/README.md.
/// </summary>
public sealed class DigestSender(IServiceScopeFactory scopes, IMailTransport transport, IOptions<PublisherOptions> options,
    TimeProvider clock, ILogger<DigestSender> logger)
{
    public const int ChunkSize = 50;
    /// <summary>A Sending row older than this belongs to a worker that died; it is taken back.</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromSeconds(60);
    public const int MaxAttempts = 3;

    public sealed record Outcome(int Sent, int Failed, int Unknown, int Skipped)
    {
        /// <summary>Deliveries that could not be composed (at most <see cref="MaxErrorsReported"/>), one line each.</summary>
        public IReadOnlyList<string> Errors { get; init; } = [];
        /// <summary>The ids of the deliveries that could not be composed.</summary>
        public IReadOnlyList<long> Uncomposed { get; init; } = [];
    }

    public const int MaxErrorsReported = 10;
    /// <summary>How a delivery that could not be composed is marked; <see cref="DigestJobs"/> reports these on the dashboard.</summary>
    public const string NotComposed = "not composed: ";

    /// <summary>Sends every claimable row of <paramref name="digestId"/> with as many workers as SMTP connections.</summary>
    /// <param name="maxRows">For a batch job: one worker that stops after about this many rows; null: every row, with
    /// as many workers as SMTP connections.</param>
    public async Task<Outcome> SendAsync(int digestId, string baseUrl, CancellationToken ct = default, int? maxRows = null)
    {
        Digest digest;
        List<Articles.Article> articles;
        MailingList list;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            digest = await db.Digests.AsNoTracking().Include(d => d.List).SingleAsync(d => d.Id == digestId, ct);
            list = digest.List;
            var ids = digest.ArticleIdList;
            var byId = await db.Articles.AsNoTracking().Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
            articles = ids.Where(byId.ContainsKey).Select(id => byId[id]).ToList();
        }
        if (articles.Count == 0)
        {
            // Every article of this digest was deleted since it was made: there is nothing left to send.
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            int dropped = await db.Deliveries.Where(d => d.DigestId == digestId && (d.State == DeliveryState.Pending || d.State == DeliveryState.Sending))
                .ExecuteUpdateAsync(d => d.SetProperty(x => x.State, DeliveryState.Failed).SetProperty(x => x.LastReply, "not sent: the digest's articles were deleted"), ct);
            logger.LogWarning("Digest {Digest} has no articles left; {Count} deliveries failed", digestId, dropped);
            return new Outcome(0, dropped, 0, 0);
        }
        DigestComposer.Rendered rendered;
        await using (var scope = scopes.CreateAsyncScope())
        {
            rendered = await scope.ServiceProvider.GetRequiredService<DigestComposer>()
                .RenderAsync(list, articles, digest.MoreArticles, baseUrl, new DateTimeOffset(DateTime.SpecifyKind(digest.CreatedUtc, DateTimeKind.Utc)));
        }

        int workers = maxRows is not null || options.Value.Smtp.UsesOutbox ? 1 : options.Value.Smtp.MaxConnections;
        var results = await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => WorkAsync(digestId, rendered, baseUrl, maxRows ?? int.MaxValue, ct)));
        return new Outcome(results.Sum(r => r.Sent), results.Sum(r => r.Failed), results.Sum(r => r.Unknown), results.Sum(r => r.Skipped))
        {
            Errors = results.SelectMany(r => r.Errors).Take(MaxErrorsReported).ToList(),
            Uncomposed = results.SelectMany(r => r.Uncomposed).ToList(),
        };
    }

    private sealed record Claimed(long Id, int MembershipId, int SubscriberId, string MessageId, int Attempts, string Email, string? Name,
        MembershipStatus Status, int ConsecutiveBounces);

    private async Task<Outcome> WorkAsync(int digestId, DigestComposer.Rendered rendered, string baseUrl, int maxRows, CancellationToken ct)
    {
        int sent = 0, failed = 0, unknown = 0, skipped = 0, taken = 0;
        var errors = new List<string>();
        var uncomposed = new List<long>();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        var composer = scope.ServiceProvider.GetRequiredService<DigestComposer>();
        while (!ct.IsCancellationRequested && taken < maxRows)
        {
            var (me, chunk) = await ClaimAsync(db, digestId, ct);
            if (chunk.Count == 0)
            {
                // An empty claim can also mean that another worker's claim held the rows this one picked (on PostgreSQL
                // the re-checked WHERE then skips them): stop only when nothing is left to claim.
                var expired = clock.GetUtcNow().UtcDateTime - ClaimLease;
                if (!await db.Deliveries.AnyAsync(d => d.DigestId == digestId
                        && (d.State == DeliveryState.Pending || (d.State == DeliveryState.Sending && d.ClaimedUtc < expired)), ct)) break;
                await Task.Delay(20, ct);
                continue;
            }
            taken += chunk.Count;
            // The claim is renewed while the chunk is worked on, however long one send takes (throttling, retries, a
            // dead connection's timeout): another worker takes these rows only if this one stops renewing (it died).
            await using var heartbeat = new ClaimHeartbeat(scopes, me, clock, logger);
            foreach (var row in chunk)
            {
                if (row.Status != MembershipStatus.Confirmed)
                {
                    await MarkAsync(db, row.Id, me, DeliveryState.Failed, $"not sent: the member is {row.Status.ToString().ToLowerInvariant()}", ct);
                    skipped++;
                    continue;
                }
                MimeKit.MimeMessage message;
                try
                {
                    message = composer.Personalize(rendered, row.MembershipId, row.Email, row.Name, row.MessageId, baseUrl);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A broken template or address for this recipient: nothing went out to them; the others go on.
                    logger.LogError(ex, "Composing delivery {Id} for {Email} failed; nothing was sent to them", row.Id, row.Email);
                    await MarkAsync(db, row.Id, me, DeliveryState.Failed, $"{NotComposed}{ex.GetType().Name}: {ex.Message}", ct);
                    if (errors.Count < MaxErrorsReported) errors.Add($"delivery {row.Id} to {row.Email} was not composed: {ex.Message}");
                    uncomposed.Add(row.Id);
                    failed++;
                    continue;
                }
                string reply;
                using (message)
                {
                    try
                    {
                        reply = await transport.SendAsync(message, ct);
                    }
                    catch (MailDeliveryException ex) when (ex.Failure == MailFailure.Permanent)
                    {
                        await MarkAsync(db, row.Id, me, DeliveryState.Failed, ex.Reply, ct);
                        if (ex.RecipientRefused) await CountBounceAsync(db, row, ct);
                        failed++;
                        continue;
                    }
                    catch (MailDeliveryException ex) when (ex.Failure == MailFailure.Transient)
                    {
                        bool giveUp = row.Attempts >= MaxAttempts;
                        await MarkAsync(db, row.Id, me, giveUp ? DeliveryState.Failed : DeliveryState.Pending, ex.Reply, ct);
                        if (giveUp) failed++;
                        continue;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // The server may have it (no reply after the body, or a failure we cannot place): never resent
                        // automatically; the admin sees it and may resend.
                        string why = ex is MailDeliveryException mail ? mail.Reply : $"{ex.GetType().Name}: {ex.Message}";
                        await MarkAsync(db, row.Id, me, DeliveryState.Unknown, why, ct);
                        logger.LogWarning("Delivery {Id} to {Email} has an unknown outcome: {Reply}", row.Id, row.Email, why);
                        unknown++;
                        continue;
                    }
                }
                // The server took it. From here nothing may turn the row into Failed or send it again: the mark is
                // retried, and only if the database stays unreachable is the row left Sending (the README's window).
                await MarkSentAsync(db, row, me, reply);
                sent++;
            }
        }
        return new Outcome(sent, failed, unknown, skipped) { Errors = errors, Uncomposed = uncomposed };
    }

    /// <summary>
    /// Claims up to <see cref="ChunkSize"/> rows in one UPDATE: Sending ones whose claim expired, then Pending ones.
    /// The outer WHERE repeats the condition, so a row claimed by a concurrent worker after the subquery ran is skipped.
    /// Each half of the subquery walks the (DigestId, State) index in id order and stops after a chunk; one query with
    /// the two states OR-ed together read every delivery of the digest on every claim (quadratic in the list: 100,000
    /// subscribers ran at 614 messages/s against 868 for 20,000).
    /// </summary>
    private async Task<(string Me, List<Claimed> Rows)> ClaimAsync(PublisherDbContext db, int digestId, CancellationToken ct)
    {
        string me = Environment.MachineName + ":" + Environment.ProcessId + ":" + Guid.NewGuid().ToString("N");
        var now = clock.GetUtcNow().UtcDateTime;
        var expired = now - ClaimLease;
        int claimed = await db.Database.ExecuteSqlAsync($"""
            UPDATE "Deliveries"
            SET "State" = 'Sending', "ClaimedBy" = {me}, "ClaimedUtc" = {now}, "Attempts" = "Attempts" + 1, "UpdatedUtc" = {now}
            WHERE "Id" IN (
                SELECT "Id" FROM (
                    SELECT "Id" FROM (SELECT "Id" FROM "Deliveries" WHERE "DigestId" = {digestId} AND "State" = 'Sending' AND "ClaimedUtc" < {expired} ORDER BY "Id" LIMIT {ChunkSize}) AS "abandoned"
                    UNION ALL
                    SELECT "Id" FROM (SELECT "Id" FROM "Deliveries" WHERE "DigestId" = {digestId} AND "State" = 'Pending' ORDER BY "Id" LIMIT {ChunkSize}) AS "waiting") AS "claimable"
                LIMIT {ChunkSize})
              AND ("State" = 'Pending' OR ("State" = 'Sending' AND "ClaimedUtc" < {expired}))
            """, ct);
        if (claimed == 0) return (me, []);
        var rows = await (
            from d in db.Deliveries.AsNoTracking()
            where d.DigestId == digestId && d.ClaimedBy == me && d.State == DeliveryState.Sending
            join m in db.Memberships on d.MembershipId equals m.Id
            join s in db.Subscribers on m.SubscriberId equals s.Id
            orderby d.Id
            select new { d.Id, d.MembershipId, d.SubscriberId, d.MessageId, d.Attempts, s.Email, s.Name, m.Status, m.ConsecutiveBounces })
            .ToListAsync(ct);
        return (me, rows.Select(r => new Claimed(r.Id, r.MembershipId, r.SubscriberId, r.MessageId, r.Attempts, r.Email, r.Name, r.Status, r.ConsecutiveBounces)).ToList());
    }

    private async Task MarkAsync(PublisherDbContext db, long id, string me, DeliveryState state, string reply, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        string trimmed = reply.Length > 1000 ? reply[..1000] : reply;
        DateTime? sentUtc = state == DeliveryState.Sent ? now : null;
        string stateName = state.ToString();
        // Raw SQL, not ExecuteUpdate: this runs once per message, and LINQ's per-call translation cost more
        // CPU than the send. Not cancelled with the run: a message that went out must be recorded even while stopping.
        await db.Database.ExecuteSqlAsync($"""
            UPDATE "Deliveries" SET "State" = {stateName}, "LastReply" = {trimmed}, "ClaimedBy" = NULL, "SentUtc" = {sentUtc}, "UpdatedUtc" = {now}
            WHERE "Id" = {id} AND "ClaimedBy" = {me}
            """, CancellationToken.None);
    }

    private async Task MarkSentAsync(PublisherDbContext db, Claimed row, string me, string reply)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await MarkAsync(db, row.Id, me, DeliveryState.Sent, reply, CancellationToken.None);
                break;
            }
            catch (Exception ex) when (attempt < 5)
            {
                logger.LogWarning(ex, "Recording delivery {Id} as sent failed (attempt {Attempt}); retrying", row.Id, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt), CancellationToken.None);
            }
        }
        if (row.ConsecutiveBounces == 0) return;
        try
        {
            await db.Memberships.Where(m => m.Id == row.MembershipId).ExecuteUpdateAsync(m => m.SetProperty(x => x.ConsecutiveBounces, 0), CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Resetting the bounce count of membership {Id} failed", row.MembershipId);
        }
    }

    /// <summary>Renews a worker's claim every third of the lease until disposed, on a database connection of its own.</summary>
    private sealed class ClaimHeartbeat : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _beating;

        public ClaimHeartbeat(IServiceScopeFactory scopes, string me, TimeProvider clock, ILogger logger)
        {
            _beating = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(ClaimLease / 3, clock);
                try
                {
                    while (await timer.WaitForNextTickAsync(_stop.Token))
                    {
                        try
                        {
                            await using var scope = scopes.CreateAsyncScope();
                            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
                            var now = clock.GetUtcNow().UtcDateTime;
                            await db.Database.ExecuteSqlAsync(
                                $"""UPDATE "Deliveries" SET "ClaimedUtc" = {now} WHERE "ClaimedBy" = {me} AND "State" = 'Sending'""", _stop.Token);
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            logger.LogWarning(ex, "Renewing claim {Claim} failed; trying again at the next beat", me);
                        }
                    }
                }
                catch (OperationCanceledException) { /* stopped */ }
            });
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            await _beating;
            _stop.Dispose();
        }
    }

    private async Task CountBounceAsync(PublisherDbContext db, Claimed row, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Memberships.Where(m => m.Id == row.MembershipId)
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.ConsecutiveBounces, x => x.ConsecutiveBounces + 1), ct);
        await db.Memberships.Where(m => m.Id == row.MembershipId && m.ConsecutiveBounces >= options.Value.Digests.HardBouncesBeforeBounced && m.Status == MembershipStatus.Confirmed)
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.Status, MembershipStatus.Bounced).SetProperty(x => x.BouncedUtc, now).SetProperty(x => x.UpdatedUtc, now), ct);
    }
}
