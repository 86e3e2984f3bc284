using Microsoft.EntityFrameworkCore;
using Publisher.Data;

namespace Publisher.Subscribers;

/// <summary>Who asks: a visitor on the public form, an admin, or an admin who vouches for consent.</summary>
public enum SubscribeMode { Public, Admin, AdminConfirmed }

public enum SubscribeResult
{
    /// <summary>A new member, confirmed (single opt-in, or vouched for by an admin).</summary>
    Added,
    /// <summary>A new or returning member waits for their confirmation mail.</summary>
    ConfirmationRequested,
    /// <summary>Nothing to do: already confirmed, or a confirmation went out less than an hour ago.</summary>
    Unchanged,
    /// <summary>An unconfirmed member an admin vouched for.</summary>
    Confirmed,
    /// <summary>Unsubscribed or bounced: never re-subscribed by anyone but the person (and bounced not even then).</summary>
    Refused,
}

/// <summary>The subscribe rules, shared by the public form, the admin API and the CLI. See Subscribers/README.md.</summary>
public sealed class Subscriptions(PublisherDbContext db, TimeProvider clock, ConfirmationSignal confirmations, SubscriberTokens tokens)
{
    public static readonly TimeSpan ResendInterval = TimeSpan.FromHours(1);

    /// <summary>
    /// Subscribes <paramref name="email"/> to <paramref name="list"/> by the rules for <paramref name="mode"/>. Two requests
    /// for one new address at once both succeed: the one that loses the race to create the subscriber reads what the other
    /// made and goes on from there.
    /// </summary>
    public async Task<(Membership Membership, SubscribeResult Result, bool Created)> SubscribeAsync(MailingList list, string email, string? name,
        SubscribeMode mode, CancellationToken ct = default)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await SubscribeOnceAsync(list, email, name, mode, ct);
            }
            catch (DbUpdateException ex) when (attempt < 3 && DbErrors.IsUniqueViolation(ex))
            {
                foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State == EntityState.Added).ToList()) entry.State = EntityState.Detached;
            }
        }
    }

    private async Task<(Membership Membership, SubscribeResult Result, bool Created)> SubscribeOnceAsync(MailingList list, string email, string? name,
        SubscribeMode mode, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        string key = EmailAddress.Key(email);
        var subscriber = await db.Subscribers.SingleOrDefaultAsync(s => s.EmailKey == key, ct);
        if (subscriber is null)
        {
            // Someone who erased their data is, for an admin, like someone who unsubscribed: only their own request brings
            // them back (and then the hash goes: they are a subscriber again, whose rows say the rest).
            string hash = tokens.AddressHash(key);
            var erased = await db.ErasedAddresses.SingleOrDefaultAsync(e => e.Hash == hash, ct);
            if (erased is not null && mode != SubscribeMode.Public)
                return (new Membership { List = list, Subscriber = new Subscriber { Email = email, EmailKey = key }, Status = MembershipStatus.Unsubscribed },
                    SubscribeResult.Refused, false);
            if (erased is not null) db.ErasedAddresses.Remove(erased);
            subscriber = new Subscriber { Email = email, EmailKey = key, Name = name, CreatedUtc = now, UpdatedUtc = now };
            db.Subscribers.Add(subscriber);
        }
        else if (name is not null && name != subscriber.Name && mode != SubscribeMode.Public)
        {
            // Anyone may type anyone's address into the public form, so it never changes an existing subscriber; an admin may.
            subscriber.Name = name;
            subscriber.UpdatedUtc = now;
        }

        var membership = subscriber.Id == 0 ? null
            : await db.Memberships.SingleOrDefaultAsync(m => m.ListId == list.Id && m.SubscriberId == subscriber.Id, ct);
        SubscribeResult result;
        bool created = membership is null;
        if (membership is null)
        {
            membership = new Membership { List = list, Subscriber = subscriber, SubscribedUtc = now, UpdatedUtc = now };
            db.Memberships.Add(membership);
            result = Join(membership, list, mode, now);
        }
        else
        {
            result = membership.Status switch
            {
                MembershipStatus.Confirmed => SubscribeResult.Unchanged,
                MembershipStatus.Unconfirmed when mode == SubscribeMode.AdminConfirmed => Confirm(membership, now),
                MembershipStatus.Unconfirmed => RequestConfirmation(membership, now) ? SubscribeResult.ConfirmationRequested : SubscribeResult.Unchanged,
                // Only the person's own confirmation brings back someone who left, whatever the list's opt-in: a stranger's
                // request (cross-site, say) gets them one confirmation mail at most, and the opt-out stays on record till then.
                MembershipStatus.Unsubscribed when mode == SubscribeMode.Public => Rejoin(membership, now),
                _ => SubscribeResult.Refused,
            };
        }
        await db.SaveChangesAsync(ct);
        if (result == SubscribeResult.ConfirmationRequested) confirmations.Notify();
        return (membership, result, created);
    }

    /// <summary>
    /// Unsubscribes a member who did not ask for it themselves (an abuse complaint about the list's mail), keeping why.
    /// Unsubscribed and Bounced members stay as they are. Returns whether the member was unsubscribed now.
    /// </summary>
    public async Task<bool> UnsubscribeAsync(int membershipId, string reason, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (reason.Length > Membership.MaxReasonLength) reason = reason[..Membership.MaxReasonLength];
        return await db.Memberships.Where(m => m.Id == membershipId && (m.Status == MembershipStatus.Confirmed || m.Status == MembershipStatus.Unconfirmed))
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.Status, MembershipStatus.Unsubscribed).SetProperty(x => x.UnsubscribedUtc, now)
                .SetProperty(x => x.UnsubscribeReason, reason).SetProperty(x => x.UpdatedUtc, now), ct) > 0;
    }

    /// <summary>
    /// Records that the member's latest mails were refused for good <paramref name="inARow"/> times in a row (learnt after
    /// the send, from a delivery report). The rule is the one for refusals during the send: a confirmed member with
    /// <paramref name="threshold"/> (<c>Publisher:Digests:HardBouncesBeforeBounced</c>) becomes Bounced. The count never goes
    /// down here; only a mail the server accepts resets it. Returns whether the member was bounced now.
    /// </summary>
    public async Task<bool> RecordHardBouncesAsync(int membershipId, int inARow, int threshold, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Memberships.Where(m => m.Id == membershipId && m.ConsecutiveBounces < inARow)
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.ConsecutiveBounces, inARow), ct);
        return await db.Memberships.Where(m => m.Id == membershipId && m.ConsecutiveBounces >= threshold && m.Status == MembershipStatus.Confirmed)
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.Status, MembershipStatus.Bounced).SetProperty(x => x.BouncedUtc, now).SetProperty(x => x.UpdatedUtc, now),
                ct) > 0;
    }

    private static SubscribeResult Join(Membership m, MailingList list, SubscribeMode mode, DateTime now)
    {
        m.UnsubscribedUtc = null;
        m.UnsubscribeReason = null;
        if (mode == SubscribeMode.AdminConfirmed || list.OptIn == OptIn.Single) return Confirm(m, now);
        m.Status = MembershipStatus.Unconfirmed;
        m.UpdatedUtc = now;
        m.ConfirmationSentUtc = null;
        m.ConfirmationRequestedUtc = now;
        return SubscribeResult.ConfirmationRequested;
    }

    private static SubscribeResult Rejoin(Membership m, DateTime now)
    {
        m.Status = MembershipStatus.Unconfirmed;
        m.UpdatedUtc = now;
        m.ConfirmationSentUtc = null;
        m.ConfirmationRequestedUtc = now;
        return SubscribeResult.ConfirmationRequested;
    }

    public static SubscribeResult Confirm(Membership m, DateTime now)
    {
        m.Status = MembershipStatus.Confirmed;
        m.UnsubscribedUtc = null;
        m.UnsubscribeReason = null;
        m.ConfirmedUtc = now;
        m.ConfirmationRequestedUtc = null;
        m.UpdatedUtc = now;
        return m.Id == 0 ? SubscribeResult.Added : SubscribeResult.Confirmed;
    }

    /// <summary>The member's own request to leave (an unsubscribe link, the preference centre). Bounced stays Bounced; idempotent.</summary>
    public static void Leave(Membership m, DateTime now)
    {
        if (m.Status is not (MembershipStatus.Confirmed or MembershipStatus.Unconfirmed)) return;
        m.Status = MembershipStatus.Unsubscribed;
        m.UnsubscribedUtc = now;
        m.ConfirmationRequestedUtc = null;
        m.UpdatedUtc = now;
    }

    /// <summary>The categories the member wants from the list (none: all of them). The digest planner and sender honour it.</summary>
    public static void ChooseCategories(Membership m, IEnumerable<string> categories, DateTime now)
    {
        m.Categories = MailingLists.JoinCategories(categories);
        m.UpdatedUtc = now;
    }

    /// <summary>No digest for the member before <paramref name="untilUtc"/>; null resumes at once.</summary>
    public static void Pause(Membership m, DateTime? untilUtc, DateTime now)
    {
        m.PausedUntilUtc = untilUtc;
        m.UpdatedUtc = now;
    }

    /// <summary>Asks for another confirmation mail unless one went out (or is waiting) within the hour.</summary>
    private static bool RequestConfirmation(Membership m, DateTime now)
    {
        bool pending = m.ConfirmationRequestedUtc is { } requested && (m.ConfirmationSentUtc is null || m.ConfirmationSentUtc < requested);
        if (pending) return false;
        if (m.ConfirmationSentUtc is { } sent && now - sent < ResendInterval) return false;
        m.ConfirmationRequestedUtc = now;
        m.UpdatedUtc = now;
        return true;
    }
}
