namespace Publisher.WebSub;

/// <summary>A subscriber's verified wish to have one feed (the topic) pushed to its callback until the lease ends.</summary>
public sealed class WebSubSubscription
{
    public const int MaxUrlLength = 2000;
    /// <summary>The W3C Recommendation: a secret must be shorter than 200 bytes.</summary>
    public const int MaxSecretBytes = 199;

    public int Id { get; set; }
    /// <summary>The feed's own first-page URL, exactly as its self link says.</summary>
    public required string Topic { get; set; }
    public required string Callback { get; set; }
    /// <summary>Key of the HMAC-SHA256 signature (X-Hub-Signature) of every push; none means unsigned pushes.</summary>
    public string? Secret { get; set; }
    public int LeaseSeconds { get; set; }
    public DateTime ExpiresUtc { get; set; }
    public DateTime VerifiedUtc { get; set; }
    /// <summary>
    /// The ETag of the last feed document a host took on to push here. Several hosts build the same bytes from the same
    /// rows; the one whose conditional update moves this to a new ETag pushes it, the others leave it.
    /// </summary>
    public string? PushedETag { get; set; }
}
