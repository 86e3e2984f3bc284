using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Data;
using Publisher.Digests;

namespace Publisher.Subscribers;

/// <summary>
/// A subscriber's own data, from the preference centre: everything stored about them as JSON, and its erasure. What
/// erasure keeps, and why, is in Subscribers/README.md ("Erasure").
/// </summary>
public static class SubscriberData
{
    public const string ErasedMark = "[erased]";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public sealed record Export(string Email, string? Name, DateTime CreatedUtc, DateTime UpdatedUtc, IReadOnlyList<ExportedMembership> Lists,
        IReadOnlyList<ExportedDelivery> Deliveries, IReadOnlyList<ExportedReport> Reports);
    public sealed record ExportedMembership(string List, string Title, string Status, IReadOnlyList<string> Categories, DateTime? PausedUntilUtc,
        DateTime SubscribedUtc, DateTime? ConfirmedUtc, DateTime? UnsubscribedUtc, string? UnsubscribeReason, DateTime? BouncedUtc,
        DateTime? ConfirmationRequestedUtc, DateTime? ConfirmationSentUtc, int ConsecutiveBounces);
    public sealed record ExportedDelivery(int DigestId, string List, string State, string MessageId, int Attempts, DateTime? SentUtc, string? LastReply);
    public sealed record ExportedReport(string Kind, DateTime ReceivedUtc, string? Recipient, string? Status, string? Detail);

    /// <summary><c>POST /manage/{token}/export</c>: a JSON file of everything stored about the subscriber.</summary>
    public static async Task<IResult> ExportAsync(string token, HttpContext http, PublisherDbContext db, SubscriberTokens tokens,
        IOptions<PublisherOptions> options, CancellationToken ct)
    {
        if (await PreferenceCentre.FindAsync(token, db, tokens, ct) is not { } s) return PreferenceCentre.Invalid(http, options);
        var membershipIds = s.Memberships.Select(m => m.Id).ToList();
        var deliveries = await (from d in db.Deliveries.AsNoTracking()
                                where d.SubscriberId == s.Id
                                join g in db.Digests on d.DigestId equals g.Id
                                orderby d.Id
                                select new ExportedDelivery(d.DigestId, g.List.Name, d.State.ToString(), d.MessageId, d.Attempts, d.SentUtc, d.LastReply))
            .ToListAsync(ct);
        var reports = await db.BounceReports.AsNoTracking().Where(r => r.MembershipId != null && membershipIds.Contains(r.MembershipId.Value))
            .OrderBy(r => r.Id).Select(r => new ExportedReport(r.Kind.ToString(), r.ReceivedUtc, r.Recipient, r.Status, r.Detail)).ToListAsync(ct);
        var export = new Export(s.Email, s.Name, s.CreatedUtc, s.UpdatedUtc,
            s.Memberships.OrderBy(m => m.List.Name, StringComparer.Ordinal).Select(m => new ExportedMembership(m.List.Name, MailingLists.DisplayName(m.List),
                m.Status.ToString().ToLowerInvariant(), m.CategoryList, m.PausedUntilUtc, m.SubscribedUtc, m.ConfirmedUtc, m.UnsubscribedUtc,
                m.UnsubscribeReason, m.BouncedUtc, m.ConfirmationRequestedUtc, m.ConfirmationSentUtc, m.ConsecutiveBounces)).ToList(),
            deliveries, reports);
        return TypedResults.File(JsonSerializer.SerializeToUtf8Bytes(export, Json), "application/json; charset=utf-8", "subscriber-data.json");
    }

    /// <summary>
    /// <c>POST /manage/{token}/erase</c> (with <c>confirm=yes</c>): deletes the subscriber and their memberships, keeps a
    /// keyed hash of the address as the record of the opt-out, and takes the address out of the ledger's and the bounce
    /// reports' texts. Delivery rows stay (they name a subscriber id, not an address): they are what keeps each digest to
    /// one copy and what the digest counts are made of.
    /// </summary>
    public static async Task<IResult> EraseAsync(string token, HttpContext http, PublisherDbContext db, SubscriberTokens tokens, TimeProvider clock,
        IOptions<PublisherOptions> options, CancellationToken ct)
    {
        if (await PreferenceCentre.FindAsync(token, db, tokens, ct) is not { } s) return PreferenceCentre.Invalid(http, options);
        var t = PreferenceTexts.For(options.Value.Site);
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(ct) : null;
        if (form?["confirm"].ToString() != "yes")
        {
            http.Response.Headers.Location = $"/manage/{token}?done=confirm-erase";
            return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
        }
        await EraseSubscriberAsync(db, tokens, s, clock.GetUtcNow().UtcDateTime, ct);
        return SubscriptionEndpoints.Message(http, options, 200, t.Erased, t.ErasedDetail);
    }

    public static async Task EraseSubscriberAsync(PublisherDbContext db, SubscriberTokens tokens, Subscriber s, DateTime now, CancellationToken ct)
    {
        var membershipIds = s.Memberships.Select(m => m.Id).ToList();
        string email = s.Email, key = s.EmailKey, hash = tokens.AddressHash(s.EmailKey);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // SQLite leaves deleted rows' bytes in free pages until they are reused: overwrite them with zeros this once.
        bool sqlite = db.Database.IsSqlite();
        if (sqlite) await db.Database.ExecuteSqlRawAsync("PRAGMA secure_delete = ON", ct);
        if (!await db.ErasedAddresses.AnyAsync(e => e.Hash == hash, ct)) db.ErasedAddresses.Add(new ErasedAddress { Hash = hash, ErasedUtc = now });
        db.Subscribers.Remove(s); // its memberships go with it (cascade)
        await db.SaveChangesAsync(ct);
        // A row still waiting is never sent now: the member is gone.
        await db.Deliveries.Where(d => d.SubscriberId == s.Id && d.State == DeliveryState.Pending)
            .ExecuteUpdateAsync(d => d.SetProperty(x => x.State, DeliveryState.Failed).SetProperty(x => x.ClaimedBy, (string?)null)
                .SetProperty(x => x.LastReply, "not sent: the subscriber erased their data").SetProperty(x => x.UpdatedUtc, now), ct);
        // Servers' replies and reports quote the address; the rest of their words stay for the admin.
        await db.Deliveries.Where(d => d.SubscriberId == s.Id && d.LastReply != null)
            .ExecuteUpdateAsync(d => d.SetProperty(x => x.LastReply, x => x.LastReply!.Replace(email, ErasedMark).Replace(key, ErasedMark)), ct);
        await db.BounceReports.Where(r => r.MembershipId != null && membershipIds.Contains(r.MembershipId.Value))
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.Recipient, (string?)null)
                .SetProperty(x => x.Detail, x => x.Detail == null ? null : x.Detail.Replace(email, ErasedMark).Replace(key, ErasedMark)), ct);
        if (sqlite) await db.Database.ExecuteSqlRawAsync("PRAGMA secure_delete = OFF", ct);
        await transaction.CommitAsync(ct);
    }
}
