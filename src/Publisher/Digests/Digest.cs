namespace Publisher.Digests;

/// <summary>One digest of one list: which articles, for which period. Made once; its deliveries are the ledger.</summary>
public sealed class Digest
{
    public int Id { get; set; }
    public int ListId { get; set; }
    public Subscribers.MailingList List { get; set; } = null!;
    public DateTime CreatedUtc { get; set; }
    /// <summary>The period it reports: from the previous digest's end to when it was made.</summary>
    public DateTime PeriodStartUtc { get; set; }
    public DateTime PeriodEndUtc { get; set; }
    /// <summary>The article ids it shows, newest first, joined with ','.</summary>
    public string ArticleIds { get; set; } = "";
    /// <summary>Articles it covers beyond those shown (the mail says "N more on the site").</summary>
    public int MoreArticles { get; set; }
    /// <summary>Every article it covers, shown or counted in <see cref="MoreArticles"/>: none of them is in a later digest of the list.</summary>
    public List<CoveredArticle> Covered { get; set; } = [];
    public List<Delivery> Deliveries { get; set; } = [];
    /// <summary>When batch jobs were last queued for it; the resumer leaves a digest alone for a moment after that.</summary>
    public DateTime? QueuedUtc { get; set; }
    /// <summary>
    /// Set when the mail server could not be reached or refused the login: no row of the digest is claimed before this
    /// time. The first claim after it is the probe that finds out whether the server is back.
    /// </summary>
    public DateTime? PausedUntilUtc { get; set; }
    /// <summary>When the present outage began; an outage longer than Publisher:Digests:RetryFor fails the open rows.</summary>
    public DateTime? PausedSinceUtc { get; set; }
    public string? PauseReason { get; set; }
    /// <summary>Pauses in a row without a message getting through: the index into the retry delays.</summary>
    public int Pauses { get; set; }

    public IReadOnlyList<int> ArticleIdList => ArticleIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
}

/// <summary>An article a digest covers. What a list's next digest holds is decided by these rows, not by time alone.</summary>
public sealed class CoveredArticle
{
    public int DigestId { get; set; }
    public int ArticleId { get; set; }
}

/// <summary>Where one digest stands for one subscriber. See Digests/README.md for the transitions.</summary>
public enum DeliveryState
{
    /// <summary>To send, once <see cref="Delivery.DueUtc"/> has come.</summary>
    Pending,
    /// <summary>Claimed by a worker, not handed to the server yet: if the worker dies, the row is simply Pending again.</summary>
    Sending,
    /// <summary>Being handed to the server: if the worker dies now, the server may have it, so the row becomes Unknown.</summary>
    Submitting,
    Sent,
    Failed,
    /// <summary>The server may or may not have it; never sent again without an admin's word.</summary>
    Unknown,
}

/// <summary>The ledger row: one per (digest, subscriber), unique. It, not the job runner, keeps a message from going out twice.</summary>
public sealed class Delivery
{
    public long Id { get; set; }
    public int DigestId { get; set; }
    public Digest Digest { get; set; } = null!;
    public int SubscriberId { get; set; }
    public int MembershipId { get; set; }
    public DeliveryState State { get; set; }
    public int Attempts { get; set; }
    public string? LastReply { get; set; }
    /// <summary>Derived from (digest, subscriber): the same message has the same id whenever it is sent.</summary>
    public required string MessageId { get; set; }
    /// <summary>The process (<see cref="Hosting.HostProcess"/>) holding a Sending or Submitting row, and since when.</summary>
    public string? ClaimedBy { get; set; }
    public DateTime? ClaimedUtc { get; set; }
    public DateTime? SentUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
    /// <summary>A Pending row is not tried before this: when it was made, or when a deferred try may be repeated.</summary>
    public DateTime DueUtc { get; set; }
    /// <summary>The first temporary refusal of this message; it is retried for Publisher:Digests:RetryFor from then.</summary>
    public DateTime? FirstFailedUtc { get; set; }
}
