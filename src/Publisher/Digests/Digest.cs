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

    public IReadOnlyList<int> ArticleIdList => ArticleIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
}

/// <summary>An article a digest covers. What a list's next digest holds is decided by these rows, not by time alone.</summary>
public sealed class CoveredArticle
{
    public int DigestId { get; set; }
    public int ArticleId { get; set; }
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
