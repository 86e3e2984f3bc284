using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Data;
using Publisher.Digests;
using Publisher.Subscribers;

namespace Publisher.Bounces;

/// <summary>What became of a report: its kind once matched, and whether this call recorded it (false: it was known).</summary>
public sealed record RecordedReport(ReportKind Kind, bool New, string Detail);

/// <summary>
/// Matches a report to the delivery it is about and acts on it once: a hard bounce counts toward Bounced, a complaint
/// unsubscribes. The report's row and what it changes are written in one transaction, so a report read twice changes
/// nothing the second time. See Bounces/README.md.
/// </summary>
public sealed partial class BounceRecorder(PublisherDbContext db, Subscriptions subscriptions, WriteGate gate, IOptions<PublisherOptions> options,
    TimeProvider clock, SubscriberTokens tokens)
{
    /// <summary>Digests looked back over for a member's bounces in a row: at least the largest HardBouncesBeforeBounced.</summary>
    private const int BounceWindow = 100;

    private sealed record Match(long DeliveryId, int DigestId, int MembershipId, string Email, string List);

    public async Task<RecordedReport> RecordAsync(string key, ReadReport report, CancellationToken ct = default)
    {
        var known = await FindAsync(key, ct);
        if (known is not null) return known;
        var match = report.Kind == ReportKind.Malformed ? null : await MatchAsync(report, ct);
        var row = new BounceReport
        {
            Key = key, Kind = report.Kind, ReceivedUtc = clock.GetUtcNow().UtcDateTime, DeliveryId = match?.DeliveryId, MembershipId = match?.MembershipId,
            Recipient = Cut(report.Recipient, EmailAddress.MaxLength * 2), Status = report.Status, Detail = report.Detail,
        };
        if (match is null && await IsErasedAsync(report.Recipient, ct))
        {
            // A late report about someone who erased their data: it must not bring their address back.
            row.Kind = report.Kind == ReportKind.Malformed ? ReportKind.Malformed : ReportKind.Unmatched;
            row.Recipient = null;
            row.Detail = $"{report.Kind.ToString().ToLowerInvariant()} report about an address whose owner erased their data; nothing of it is kept";
        }
        else if (report.Kind != ReportKind.Malformed && match is null)
        {
            row.Kind = ReportKind.Unmatched;
            row.Detail = $"{report.Kind.ToString().ToLowerInvariant()} report about "
                + (report.OriginalMessageId is { } id ? $"Message-ID <{id}>" : report.Recipient ?? "nothing it names")
                + $" matches no delivery of ours: {report.Detail}";
        }

        return await gate.RunAsync(db, async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            db.BounceReports.Add(row);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
            {
                // Another pass (another process on the same mailbox) recorded it meanwhile: it has acted on it.
                await transaction.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                return await FindAsync(key, ct) ?? throw new InvalidOperationException($"Report {key} was refused as a duplicate and is not there");
            }
            string? done = (row.Kind, match) switch
            {
                (ReportKind.Hard, { } m) => await CountHardBounceAsync(m, ct),
                (ReportKind.Complaint, { } m) => await UnsubscribeAsync(m, report, ct),
                _ => null,
            };
            if (done is not null)
            {
                row.Detail = Cut($"{done}; {row.Detail}", 1000);
                await db.SaveChangesAsync(ct);
            }
            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
            return new RecordedReport(row.Kind, true, row.Detail ?? "");
        });
    }

    private async Task<bool> IsErasedAsync(string? recipient, CancellationToken ct)
    {
        if (recipient is null || !EmailAddress.TryNormalize(recipient, out var address, out _)) return false;
        string hash = tokens.AddressHash(EmailAddress.Key(address));
        return await db.ErasedAddresses.AnyAsync(e => e.Hash == hash, ct);
    }

    /// <summary>The report recorded under <paramref name="key"/>, if it was read before.</summary>
    public async Task<RecordedReport?> FindAsync(string key, CancellationToken ct = default) =>
        await db.BounceReports.AsNoTracking().Where(r => r.Key == key).Select(r => new RecordedReport(r.Kind, false, r.Detail ?? "")).SingleOrDefaultAsync(ct);

    /// <summary>
    /// By the original's Message-ID when the report returned it, and then by nothing else (a bounce of a confirmation
    /// mail, or of someone else's mail, is no digest's). Without it, by the recipient: the latest digest that went out to them.
    /// </summary>
    private async Task<Match?> MatchAsync(ReadReport report, CancellationToken ct)
    {
        if (report.OriginalMessageId is { } id)
        {
            // Digest Message-IDs are digest-{digest}.subscriber-{subscriber}@{domain} (DigestPlanner): the numbers find the
            // row through its unique index, and the id stored on it must then be this very one.
            var parts = DigestMessageId().Match(id);
            if (!parts.Success || !int.TryParse(parts.Groups[1].Value, out int digestId) || !int.TryParse(parts.Groups[2].Value, out int subscriberId))
                return null;
            var found = await DeliveriesWith(db.Deliveries.Where(d => d.DigestId == digestId && d.SubscriberId == subscriberId)).SingleOrDefaultAsync(ct);
            return found is not null && string.Equals(found.MessageId, id, StringComparison.OrdinalIgnoreCase) ? found.Match : null;
        }
        if (report.Recipient is null || !EmailAddress.TryNormalize(report.Recipient, out var address, out _)) return null;
        string emailKey = EmailAddress.Key(address);
        var subscriber = await db.Subscribers.AsNoTracking().Where(s => s.EmailKey == emailKey).Select(s => (int?)s.Id).SingleOrDefaultAsync(ct);
        if (subscriber is not { } sid) return null;
        var lists = db.Memberships.Where(m => m.SubscriberId == sid).Select(m => m.ListId);
        var recent = await db.Digests.Where(d => lists.Contains(d.ListId)).OrderByDescending(d => d.Id).Select(d => d.Id).Take(BounceWindow).ToListAsync(ct);
        var latest = await db.Deliveries.Where(d => d.SubscriberId == sid && recent.Contains(d.DigestId)
                && (d.State == DeliveryState.Sent || d.State == DeliveryState.Unknown))
            .OrderByDescending(d => d.DigestId).Select(d => (long?)d.Id).FirstOrDefaultAsync(ct);
        return latest is { } deliveryId ? (await DeliveriesWith(db.Deliveries.Where(d => d.Id == deliveryId)).SingleAsync(ct)).Match : null;
    }

    private sealed record Found(string MessageId, Match Match);

    private IQueryable<Found> DeliveriesWith(IQueryable<Delivery> deliveries) =>
        from d in deliveries
        join m in db.Memberships on d.MembershipId equals m.Id
        select new Found(d.MessageId, new Match(d.Id, d.DigestId, d.MembershipId, m.Subscriber.Email, m.List.Name));

    private async Task<string> CountHardBounceAsync(Match match, CancellationToken ct)
    {
        int inARow = await HardBouncesInARowAsync(match.MembershipId, ct);
        int threshold = options.Value.Digests.HardBouncesBeforeBounced;
        bool bounced = await subscriptions.RecordHardBouncesAsync(match.MembershipId, inARow, threshold, ct);
        return bounced
            ? $"{match.Email} is now bounced from {match.List} ({inARow} hard bounces in a row)"
            : $"{match.Email} on {match.List}: {inARow} of {threshold} hard bounces in a row";
    }

    /// <summary>
    /// How many of the member's latest digests were refused for good in a row, counting back from the newest: refused
    /// during the send (Failed with a 5xx reply, which DigestSender counts as it happens) or reported by a hard bounce
    /// afterwards. A digest the server accepted and nobody reported breaks the run; one not sent yet, or sent with an
    /// unknown outcome, neither counts nor breaks it. Reports come minutes to days after the send, often after the next
    /// digest was accepted and had reset the member's count, so the run is worked out from the records, not added to a
    /// counter. One delivery counts once, however many reports name it.
    /// </summary>
    private async Task<int> HardBouncesInARowAsync(int membershipId, CancellationToken ct)
    {
        var member = await db.Memberships.AsNoTracking().Where(m => m.Id == membershipId).Select(m => new { m.ListId, m.SubscriberId }).SingleAsync(ct);
        var recent = await db.Digests.Where(d => d.ListId == member.ListId).OrderByDescending(d => d.Id).Select(d => d.Id).Take(BounceWindow).ToListAsync(ct);
        var deliveries = await db.Deliveries.AsNoTracking()
            .Where(d => d.SubscriberId == member.SubscriberId && recent.Contains(d.DigestId) && d.MembershipId == membershipId)
            .Select(d => new { d.Id, d.DigestId, d.State, d.LastReply }).ToListAsync(ct);
        var ids = deliveries.Select(d => d.Id).ToList();
        var reported = (await db.BounceReports.Where(r => r.Kind == ReportKind.Hard && r.DeliveryId != null && ids.Contains(r.DeliveryId.Value))
            .Select(r => r.DeliveryId!.Value).ToListAsync(ct)).ToHashSet();
        int run = 0;
        foreach (var d in deliveries.OrderByDescending(d => d.DigestId))
        {
            if (reported.Contains(d.Id) || (d.State == DeliveryState.Failed && d.LastReply is { } reply && RefusalReply().IsMatch(reply))) run++;
            else if (d.State == DeliveryState.Sent) break;
        }
        return run;
    }

    private async Task<string> UnsubscribeAsync(Match match, ReadReport report, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        string reason = $"complaint: {report.Detail}, about digest {match.DigestId}, received {now:yyyy-MM-dd HH:mm} UTC";
        return await subscriptions.UnsubscribeAsync(match.MembershipId, reason, ct)
            ? $"{match.Email} is now unsubscribed from {match.List}"
            : $"{match.Email} was already off {match.List}";
    }

    private static string? Cut(string? text, int length) => text is null || text.Length <= length ? text : text[..length];

    [GeneratedRegex(@"^digest-(\d{1,9})\.subscriber-(\d{1,9})@", RegexOptions.IgnoreCase)]
    private static partial Regex DigestMessageId();

    /// <summary>A refusal in the message's own SMTP transaction, as DigestSender records it: the reply, starting with its 5xx code.</summary>
    [GeneratedRegex(@"^5\d\d\b")]
    private static partial Regex RefusalReply();
}
