namespace Publisher.Bounces;

/// <summary>What a report in the bounce mailbox turned out to be. See Bounces/README.md.</summary>
public enum ReportKind
{
    /// <summary>A delivery report with a permanent failure (status 5.x.x): counts toward Bounced.</summary>
    Hard,
    /// <summary>A delivery report with a temporary failure or delay (4.x.x): recorded, never counted.</summary>
    Soft,
    /// <summary>An abuse or fraud complaint (ARF): the member is unsubscribed from the list.</summary>
    Complaint,
    /// <summary>A report that asks for nothing: a success notice (2.x.x), a feedback report that is not a complaint.</summary>
    Other,
    /// <summary>A report that names no delivery of ours: left in the mailbox for a person.</summary>
    Unmatched,
    /// <summary>Not a report that can be read (no machine-readable part, no status): left in the mailbox for a person.</summary>
    Malformed,
}

/// <summary>
/// One report read from the bounce mailbox, kept so that it counts once however often it is read (a move to the done
/// folder that failed, two processes polling one mailbox).
/// </summary>
public sealed class BounceReport
{
    public const int MaxKeyLength = 300;

    public long Id { get; set; }
    /// <summary>The report's own Message-ID, or the SHA-256 of its bytes when it has none.</summary>
    public required string Key { get; set; }
    public ReportKind Kind { get; set; }
    public DateTime ReceivedUtc { get; set; }
    /// <summary>The delivery it is about, when one matched.</summary>
    public long? DeliveryId { get; set; }
    public int? MembershipId { get; set; }
    /// <summary>The recipient the report names (original recipient first).</summary>
    public string? Recipient { get; set; }
    /// <summary>The enhanced status code (<c>5.1.1</c>) or the feedback type (<c>abuse</c>).</summary>
    public string? Status { get; set; }
    /// <summary>The remote server's words, or why the report could not be used, and what was done.</summary>
    public string? Detail { get; set; }

    public bool LeavesMailbox => Kind is not (ReportKind.Unmatched or ReportKind.Malformed);
}
