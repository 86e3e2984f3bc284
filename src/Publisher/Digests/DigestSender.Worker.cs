using Microsoft.EntityFrameworkCore;
using MimeKit;
using Publisher.Data;
using Publisher.Email;
using Publisher.Subscribers;

namespace Publisher.Digests;

public sealed partial class DigestSender
{
    private enum Next { Go, Stop }

    private async Task<Tally> WorkAsync(Run run, CancellationToken ct)
    {
        var tally = new Tally();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        var composer = scope.ServiceProvider.GetRequiredService<DigestComposer>();
        var ledger = new DeliveryLedger(db, gate, marks, clock, () => lease.Id);
        while (!ct.IsCancellationRequested && !run.Paused && tally.Taken < run.MaxRows)
        {
            if (!lease.Holds)
            {
                logger.LogWarning("Process {Process} could not renew its registration lately; it stops claiming deliveries", lease.Id);
                break;
            }
            List<DeliveryLedger.Row> chunk;
            try
            {
                chunk = run.OnlyDelivery is { } only
                    ? await ledger.ClaimOneAsync(run.DigestId, only, ct)
                    : await ledger.ClaimAsync(run.DigestId, Math.Min(ClaimSize, run.MaxRows - tally.Taken), ct);
            }
            catch
            {
                // The claim may have been made without this worker getting its rows (the database went away between the
                // UPDATE's commit and its answer, or before the rows were read back): whatever it holds goes back.
                await RetryQuietlyAsync(ledger.ReleaseClaimAsync, "Giving back an unfinished claim");
                throw;
            }
            if (chunk.Count == 0)
            {
                if (run.OnlyDelivery is not null || !await WaitForDueAsync(ledger, run.DigestId, ct)) break;
                continue;
            }
            tally.Taken += chunk.Count;
            int done = 0;
            bool completed = false;
            try
            {
                for (; done < chunk.Count; done++)
                {
                    if (ct.IsCancellationRequested || run.Paused || !lease.Holds
                        || await SendOneAsync(run, chunk[done], db, ledger, composer, tally, ct) == Next.Stop)
                        break;
                }
                completed = true;
            }
            finally
            {
                // Whatever this worker claimed and did not hand over goes back at once, not when this process is taken for
                // dead. After a stop or a pause that includes the row in hand (its send stopped before the message was whole);
                // after an error it does not: a row left Submitting may have gone out, and is settled by the stale-claim sweep.
                if (done < chunk.Count) await ReleaseQuietlyAsync(ledger, chunk.Skip(done).Select(r => r.Id).ToList(), includeSubmitting: completed);
            }
            if (done < chunk.Count) return tally;
        }
        return tally;
    }

    /// <summary>
    /// Gives claimed rows back, trying for about ten seconds: the error that stopped the worker is often the database
    /// going away for a moment (a PostgreSQL restart, a failover), and rows left claimed by this live process would
    /// otherwise wait for the stale-claim sweep (<see cref="Hosting.DeadProcesses.StaleClaim"/>).
    /// </summary>
    private Task ReleaseQuietlyAsync(DeliveryLedger ledger, List<long> ids, bool includeSubmitting) =>
        RetryQuietlyAsync(() => ledger.ReleaseAsync(ids, includeSubmitting), $"Giving back {ids.Count} claimed deliveries");

    /// <summary>
    /// Gives claimed rows back, trying for about ten seconds: the error that stopped the worker is often the database
    /// going away for a moment (a PostgreSQL restart, a failover), and rows left claimed by this live process would
    /// otherwise wait for the stale-claim sweep (<see cref="Hosting.DeadProcesses.StaleClaim"/>).
    /// </summary>
    private async Task RetryQuietlyAsync(Func<Task> release, string what)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await release();
                return;
            }
            catch (Exception ex) when (attempt < 5)
            {
                logger.LogWarning(ex, "{What} failed (attempt {Attempt}); retrying", what, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt), clock, CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "{What} failed; they are taken back when their claim goes stale", what);
                return;
            }
        }
    }

    /// <summary>Nothing was claimable: waits for rows due within <see cref="WaitHorizon"/>; false when the worker should stop.</summary>
    private async Task<bool> WaitForDueAsync(DeliveryLedger ledger, int digestId, CancellationToken ct)
    {
        var left = await ledger.LeftAsync(digestId, ct);
        if (left.NextDueUtc is not { } due || left.PausedUntilUtc is not null) return false;
        var wait = due - clock.GetUtcNow().UtcDateTime;
        if (wait > WaitHorizon) return false;
        // Also the case of a claim that came back short while another worker's claim held the rows it picked.
        try { await Task.Delay(wait > TimeSpan.FromMilliseconds(20) ? wait : TimeSpan.FromMilliseconds(20), clock, ct); }
        catch (OperationCanceledException) { return false; }
        return true;
    }

    private static async Task<Next> SkipAsync(DeliveryLedger ledger, DeliveryLedger.Row row, string why, Tally tally)
    {
        await ledger.FailUnsentAsync(row.Id, "not sent: " + why);
        tally.Skipped++;
        return Next.Go;
    }

    private async Task<Next> SendOneAsync(Run run, DeliveryLedger.Row row, PublisherDbContext db, DeliveryLedger ledger, DigestComposer composer,
        Tally tally, CancellationToken ct)
    {
        // A member who left, paused their mail or chose other categories after the digest was made: not sent, not a failure.
        string? skip = row.Status != MembershipStatus.Confirmed ? $"the member is {row.Status.ToString().ToLowerInvariant()}"
            : row.PausedUntilUtc > clock.GetUtcNow().UtcDateTime ? "the member paused deliveries" : null;
        if (skip is not null) return await SkipAsync(ledger, row, skip, tally);
        MimeMessage message;
        try
        {
            if (await run.ForAsync(row.Categories) is not { } rendered) return await SkipAsync(ledger, row, "nothing new in the member's categories", tally);
            message = composer.Personalize(rendered, row.MembershipId, row.SubscriberId, row.Email, row.Name, row.MessageId, run.BaseUrl);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A broken template or address for this recipient: nothing went out to them; the others go on.
            logger.LogError(ex, "Composing delivery {Id} for {Email} failed; nothing was sent to them", row.Id, row.Email);
            await ledger.FailUnsentAsync(row.Id, $"{NotComposed}{ex.GetType().Name}: {ex.Message}");
            if (tally.Errors.Count < MaxErrorsReported) tally.Errors.Add($"delivery {row.Id} to {row.Email} was not composed: {ex.Message}");
            run.Report($"delivery {row.Id} to {row.Email}: failed: not composed: {ex.Message}");
            tally.Uncomposed.Add(row.Id);
            tally.Failed++;
            return Next.Go;
        }
        using (message)
        {
            // Recorded by the transport once the server is ready for this message, just before it is written: a crash
            // from then on makes the row Unknown, and one before it leaves the row to be sent again.
            bool handedOver = false, recordFailed = false;
            async Task<bool> HandingOverAsync()
            {
                if (!lease.Holds) return false;
                try
                {
                    handedOver = await ledger.SubmitAsync(row.Id);
                }
                catch
                {
                    recordFailed = true;
                    throw;
                }
                return handedOver;
            }
            string reply;
            try
            {
                reply = await transport.SendAsync(message, ct, HandingOverAsync);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return Next.Stop; // stopped before the message had wholly gone out: the row is released untried
            }
            catch (MailDeliveryException withdrawn) when (withdrawn.Failure == MailFailure.Withdrawn)
            {
                logger.LogWarning("Delivery {Id} was taken back from this process before it was handed over; not sent by it", row.Id);
                return lease.Holds ? Next.Go : Next.Stop;
            }
            catch (MailDeliveryException ex)
            {
                return await RecordFailureAsync(run, row, ex, db, ledger, tally);
            }
            catch (Exception ex) when (recordFailed)
            {
                // The ledger could not record the hand-over (the database is busy or gone): nothing was sent, and this worker
                // stops; the row goes back with the rest of its chunk.
                logger.LogError(ex, "Recording the hand-over of delivery {Id} failed; nothing was sent, and this worker stops", row.Id);
                return Next.Stop;
            }
            catch (Exception ex) when (!handedOver)
            {
                // Nothing went out (the transport failed before the server had the message): the row fails alone with the
                // reason; an admin's retry sends it again.
                logger.LogError(ex, "Delivery {Id} to {Email} could not be handed over", row.Id, row.Email);
                await ledger.FailUnsentAsync(row.Id, $"not sent: {ex.GetType().Name}: {ex.Message}");
                tally.Failed++;
                run.Report($"delivery {row.Id} to {row.Email}: failed: not sent: {ex.Message}");
                return Next.Go;
            }
            catch (Exception ex)
            {
                // A failure the transport could not place after the hand-over: the server may have it. Never resent automatically.
                await FinishAsync(ledger, row, DeliveryState.Unknown, $"{ex.GetType().Name}: {ex.Message}", run, tally);
                return Next.Go;
            }
            // The server took it. From here nothing may turn the row into Failed or send it again: the mark is retried,
            // and only if the database stays unreachable is the row left Submitting (Unknown once this process is gone).
            await MarkSentAsync(run, row, ledger, db, reply, tally);
            return Next.Go;
        }
    }

    private async Task<Next> RecordFailureAsync(Run run, DeliveryLedger.Row row, MailDeliveryException ex, PublisherDbContext db, DeliveryLedger ledger, Tally tally)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        switch (ex.Failure)
        {
            case MailFailure.Permanent:
                await FinishAsync(ledger, row, DeliveryState.Failed, ex.Reply, run, tally);
                if (ex.RecipientRefused) await CountBounceAsync(db, row);
                return Next.Go;
            case MailFailure.Deferred:
                var firstFailed = row.FirstFailedUtc ?? now;
                if (retries.GaveUp(firstFailed, now))
                {
                    await FinishAsync(ledger, row, DeliveryState.Failed, $"gave up after {retries.RetryFor} of refusals: {ex.Reply}", run, tally);
                    return Next.Go;
                }
                var due = now + retries.DelayAfter(row.Attempts + 1);
                if (await ledger.DeferAsync(row.Id, due, firstFailed, ex.Reply))
                {
                    tally.Deferred++;
                    run.Report($"delivery {row.Id} to {row.Email}: deferred until {due:u}: {ex.Reply}");
                }
                return Next.Go;
            case MailFailure.Interrupted:
                // Nothing was delivered. Sent again at once while it has had fewer tries than the transport's quick tries
                // (Smtp:MaxAttempts), then on the retry delays like a refusal: a message that always breaks the connection
                // must not hold a worker.
                var first = row.FirstFailedUtc ?? now;
                var again = row.Attempts + 1 < options.Value.Smtp.MaxAttempts ? now : now + retries.DelayAfter(row.Attempts + 1);
                if (retries.GaveUp(first, now))
                {
                    await FinishAsync(ledger, row, DeliveryState.Failed, $"gave up after {retries.RetryFor} of failures: {ex.Reply}", run, tally);
                    return Next.Go;
                }
                if (await ledger.DeferAsync(row.Id, again, first, ex.Reply) && again > now)
                {
                    tally.Deferred++;
                    run.Report($"delivery {row.Id} to {row.Email}: deferred until {again:u}: {ex.Reply}");
                }
                return Next.Go;
            case MailFailure.Unavailable:
                // Not this message's fault: the whole digest waits for the server, and the row goes back untried with the rest
                // of the chunk. This row first, and by itself: it is Submitting, and if recording the pause fails the
                // caller gives back only rows that never reached the hand-over, which would leave it to become Unknown.
                await ReleaseQuietlyAsync(ledger, [row.Id], includeSubmitting: true);
                var pause = await DigestPauses.PauseAsync(db, run.DigestId, ex.Reply, retries, now);
                if (pause.UntilUtc is null)
                {
                    Interlocked.Add(ref run.GaveUp, pause.Failed);
                    run.Report($"digest {run.DigestId}: {pause.Failed} deliveries failed: the mail server could not be reached for {retries.RetryFor}: {ex.Reply}");
                }
                run.Pause(ex.Reply, pause.UntilUtc);
                logger.LogWarning("The mail server is unavailable ({Reply}); digest {Digest} is paused until {Until}", ex.Reply, run.DigestId, pause.UntilUtc);
                return Next.Stop;
            default:
                await FinishAsync(ledger, row, DeliveryState.Unknown, ex.Reply, run, tally);
                return Next.Go;
        }
    }

    /// <summary>Records a handed-over row's final state; notices when the row was no longer this process's.</summary>
    private async Task FinishAsync(DeliveryLedger ledger, DeliveryLedger.Row row, DeliveryState state, string reply, Run run, Tally tally)
    {
        bool mine = await ledger.FinishAsync(row.Id, state, reply);
        if (state == DeliveryState.Unknown)
        {
            if (!mine) await ledger.RecordLostClaimAsync(row.Id, $"the outcome is unknown ({reply}), and the claim had been taken back meanwhile");
            logger.LogWarning("Delivery {Id} to {Email} has an unknown outcome: {Reply}", row.Id, row.Email, reply);
            tally.Unknown++;
            run.Report($"delivery {row.Id} to {row.Email}: unknown: {reply}");
            return;
        }
        if (!mine) logger.LogWarning("Delivery {Id} ({State}: {Reply}) had been taken back from this process meanwhile", row.Id, state, reply);
        tally.Failed++;
        run.Report($"delivery {row.Id} to {row.Email}: failed: {reply}");
    }

    private async Task MarkSentAsync(Run run, DeliveryLedger.Row row, DeliveryLedger ledger, PublisherDbContext db, string reply, Tally tally)
    {
        bool mine = false;
        var at = ledger.MarkTime(); // one time for every try: a try after a commit whose reply was lost finds the row its own
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                mine = await ledger.FinishAsync(row.Id, DeliveryState.Sent, reply, at);
                break;
            }
            catch (Exception ex) when (attempt < 5)
            {
                logger.LogWarning(ex, "Recording delivery {Id} as sent failed (attempt {Attempt}); retrying", row.Id, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt), clock, CancellationToken.None);
            }
        }
        if (!mine)
        {
            // Taken for dead while the server took it: the row may be resent by whoever took it back, or was already.
            string why = $"the server accepted it ({reply}) after this process's claim had been taken back; it may have gone out twice";
            await ledger.RecordLostClaimAsync(row.Id, why);
            logger.LogError("Delivery {Id} to {Email}: {Why}", row.Id, row.Email, why);
            tally.Unknown++;
            run.Report($"delivery {row.Id} to {row.Email}: unknown: {why}");
            return;
        }
        tally.Sent++;
        try
        {
            if (run.TakePauseToClear()) await DigestPauses.ClearAsync(db, run.DigestId);
            if (row.ConsecutiveBounces > 0)
                await db.Memberships.Where(m => m.Id == row.MembershipId).ExecuteUpdateAsync(m => m.SetProperty(x => x.ConsecutiveBounces, 0), CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Book-keeping after delivery {Id} failed (pause or bounce count)", row.Id);
        }
    }

    private async Task CountBounceAsync(PublisherDbContext db, DeliveryLedger.Row row)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Memberships.Where(m => m.Id == row.MembershipId)
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.ConsecutiveBounces, x => x.ConsecutiveBounces + 1), CancellationToken.None);
        await db.Memberships.Where(m => m.Id == row.MembershipId && m.ConsecutiveBounces >= options.Value.Digests.HardBouncesBeforeBounced && m.Status == MembershipStatus.Confirmed)
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.Status, MembershipStatus.Bounced).SetProperty(x => x.BouncedUtc, now).SetProperty(x => x.UpdatedUtc, now),
                CancellationToken.None);
    }
}
