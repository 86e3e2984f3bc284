namespace Publisher.Subscribers;

public enum OptIn { Single, Double }

/// <summary>A list people subscribe to; its digest goes out on <see cref="Schedule"/> in <see cref="TimeZone"/>.</summary>
public sealed class MailingList
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    /// <summary>The name readers see in the digest (heading, subject, List-Id); empty means the description, else the name.</summary>
    public string Title { get; set; } = "";
    /// <summary>Cron expression (five fields) of the digest.</summary>
    public string Schedule { get; set; } = DefaultSchedule;
    /// <summary>IANA time zone the schedule is read in.</summary>
    public string TimeZone { get; set; } = "Asia/Shanghai";
    /// <summary>Category names joined with '\n'; empty means every category.</summary>
    public string Categories { get; set; } = "";
    public OptIn OptIn { get; set; } = OptIn.Double;
    /// <summary>Whether the list's sent digests are public at /archive/{name} (with a feed); on unless turned off.</summary>
    public bool Archive { get; set; } = true;
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }

    public List<Membership> Memberships { get; set; } = [];

    public const string DefaultSchedule = "0 8 * * *";
    public IReadOnlyList<string> CategoryList => Categories.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>One person, whatever lists they are on. <see cref="Email"/> is normalized and unique.</summary>
public sealed class Subscriber
{
    public int Id { get; set; }
    /// <summary>As given, with the domain lower-cased; mail goes to this form.</summary>
    public required string Email { get; set; }
    /// <summary>The whole address lower-cased: one person is one subscriber however they type their address.</summary>
    public string EmailKey { get; set; } = "";
    public string? Name { get; set; }
    public string? TimeZone { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }

    public List<Membership> Memberships { get; set; } = [];
}

/// <summary>Where a subscriber stands on one list. The words are the domain's: see Subscribers/README.md.</summary>
public enum MembershipStatus { Unconfirmed, Confirmed, Unsubscribed, Bounced }

public sealed class Membership
{
    public const int MaxReasonLength = 300;

    public int Id { get; set; }
    public int ListId { get; set; }
    public MailingList List { get; set; } = null!;
    public int SubscriberId { get; set; }
    public Subscriber Subscriber { get; set; } = null!;
    public MembershipStatus Status { get; set; }
    public DateTime SubscribedUtc { get; set; }
    public DateTime? ConfirmedUtc { get; set; }
    public DateTime? UnsubscribedUtc { get; set; }
    /// <summary>Why the member was unsubscribed when it was not their own request (an abuse complaint); null otherwise.</summary>
    public string? UnsubscribeReason { get; set; }
    public DateTime? BouncedUtc { get; set; }
    /// <summary>When a confirmation mail was last asked for; a mail is due while this is later than <see cref="ConfirmationSentUtc"/>.</summary>
    public DateTime? ConfirmationRequestedUtc { get; set; }
    /// <summary>Set once the server accepted the confirmation mail asked for at <see cref="ConfirmationRequestedUtc"/>.</summary>
    public DateTime? ConfirmationSentUtc { get; set; }
    /// <summary>The process sending the confirmation mail now (<see cref="Hosting.HostProcess"/>); its claim lapses when it dies.</summary>
    public string? ConfirmationClaimedBy { get; set; }
    public int ConsecutiveBounces { get; set; }
    /// <summary>The categories the member chose from the list's (joined with '\n'); empty means all of them.</summary>
    public string Categories { get; set; } = "";
    /// <summary>No digest goes to the member before this time (their own pause); null when they are not paused.</summary>
    public DateTime? PausedUntilUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }

    public IReadOnlyList<string> CategoryList => Categories.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// An address whose owner erased their data: only a keyed hash of it (<see cref="SubscriberTokens.AddressHash"/>) is kept,
/// so an admin's add or import cannot quietly bring back someone who left, while the address itself is gone.
/// </summary>
public sealed class ErasedAddress
{
    public const int HashLength = 64;

    public required string Hash { get; set; }
    public DateTime ErasedUtc { get; set; }
}
