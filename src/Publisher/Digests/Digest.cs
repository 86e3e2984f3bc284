namespace Publisher.Digests;

/// <summary>One digest of one list: which articles, for which period. Made once; its deliveries are the ledger.</summary>
public sealed class Digest
{
    public int Id { get; set; }
    public int ListId { get; set; }
    public Subscribers.MailingList List { get; set; } = null!;
    public DateTime CreatedUtc { get; set; }
    /// <summary>Articles added to the site after this time and up to <see cref="PeriodEndUtc"/> are in it.</summary>
    public DateTime PeriodStartUtc { get; set; }
    public DateTime PeriodEndUtc { get; set; }
    /// <summary>Article ids, newest first, joined with ','.</summary>
    public string ArticleIds { get; set; } = "";
    public List<Delivery> Deliveries { get; set; } = [];

    public IReadOnlyList<int> ArticleIdList => ArticleIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
}

/// <summary>Where one digest stands for one subscriber. See Digests/README.md for the transitions.</summary>
public enum DeliveryState { Pending, Sending, Sent, Failed, Unknown }

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
    /// <summary>Which worker holds a <see cref="DeliveryState.Sending"/> row, and since when (an expired claim is taken back).</summary>
    public string? ClaimedBy { get; set; }
    public DateTime? ClaimedUtc { get; set; }
    public DateTime? SentUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
}
