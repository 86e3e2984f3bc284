using System.ComponentModel.DataAnnotations;

namespace Publisher;

/// <summary>The <c>Publisher</c> configuration section. Defaults live here, not in appsettings.json.</summary>
public sealed class PublisherOptions
{
    public const string Section = "Publisher";

    public string DataPath { get; set; } = "data";
    public string ArticlesPath { get; set; } = "seeds";
    public string? AdminApiKey { get; set; }
    /// <summary>HMAC key for subscriber tokens; generated into &lt;DataPath&gt;/secret.key when unset.</summary>
    public string? Secret { get; set; }
    public SmtpOptions Smtp { get; set; } = new();
    public SubscriptionOptions Subscriptions { get; set; } = new();
    public DigestOptions Digests { get; set; } = new();
    public DkimOptions Dkim { get; set; } = new();
    public SiteOptions Site { get; set; } = new();
    public DatabaseOptions Database { get; set; } = new();
    public FeedOptions Feeds { get; set; } = new();
    public ArticleOptions Articles { get; set; } = new();
    public WebSubOptions WebSub { get; set; } = new();

    public string FullDataPath => Path.GetFullPath(DataPath);
    public string FullArticlesPath => Path.GetFullPath(ArticlesPath);
}

public sealed class SiteOptions
{
    public string Title { get; set; } = "Publisher";
    public string Description { get; set; } = "";
    public string Language { get; set; } = "zh-CN";
    /// <summary>Absolute base for links in feeds and pages; empty means "the request's own base".</summary>
    public string? BaseUrl { get; set; }
    /// <summary>IANA zone for article times that carry none; empty means Asia/Shanghai on zh-* sites, else UTC.</summary>
    public string? TimeZone { get; set; }
    /// <summary>
    /// Without BaseUrl: the Host values (comma-separated, host or host:port) whose requests get links under their own
    /// base. Empty means the addresses the service listens on and localhost on their ports.
    /// </summary>
    public string? AllowedHosts { get; set; }
    /// <summary>The sender's postal address or contact line, shown in every digest's footer (CAN-SPAM asks for one); may hold line breaks.</summary>
    public string? PostalAddress { get; set; }

    public static IEnumerable<string> SplitHosts(string hosts) =>
        hosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool IsChinese => Language.StartsWith("zh", StringComparison.OrdinalIgnoreCase);
}

public enum DatabaseProvider { Sqlite, Postgres }

public enum SqliteSynchronous { Normal, Full }

public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
    /// <summary>
    /// SQLite's <c>synchronous</c> under WAL. Normal: a crash loses nothing, a power cut can lose the last commits.
    /// Full: every commit is synced to disk. See Digests/README.md for what each leaves open and bench/README.md for the cost.
    /// </summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Normal;
}

public sealed class FeedOptions
{
    [Range(1, 1000)]
    public int PageSize { get; set; } = 50;
    /// <summary>Memory for feed pages built on request (deeper pages, other allowed hosts); the least recently used go first.</summary>
    [Range(1, 4096)]
    public int PageCacheMegabytes { get; set; } = 32;
}

public sealed class WebSubOptions
{
    /// <summary>An outside hub to announce in the feeds and ping on changes; empty means the built-in hub at /websub.</summary>
    public string? Hub { get; set; }
    /// <summary>Lease granted when a subscriber asks for none, and the longest granted.</summary>
    [Range(60, 365 * 86400)]
    public int DefaultLeaseSeconds { get; set; } = 10 * 86400;
    [Range(60, 365 * 86400)]
    public int MaxLeaseSeconds { get; set; } = 30 * 86400;
}

public sealed class ArticleOptions
{
    /// <summary>Files larger than this are rejected without being read.</summary>
    [Range(1, int.MaxValue)]
    public long MaxFileBytes { get; set; } = 5 * 1024 * 1024;
    /// <summary>Seconds between full rescans of ArticlesPath; the file watcher alone misses events.</summary>
    [Range(1, 86400)]
    public int RescanSeconds { get; set; } = 30;
    /// <summary>Longest one file may take to be read, decoded and parsed before it is rejected (the watcher reads one file at a time).</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

public enum SmtpSecurity { None, StartTls, SslOnConnect, Auto }

public sealed class SmtpOptions
{
    /// <summary>Without a host, mail is written as .eml files to &lt;DataPath&gt;/outbox.</summary>
    public string? Host { get; set; }
    public int Port { get; set; } = 25;
    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;
    public string? User { get; set; }
    public string? Password { get; set; }
    /// <summary>The sender of every mail; required with a host (relays refuse mail from a made-up local address).</summary>
    public string? From { get; set; }
    /// <summary>The name given in EHLO; empty means the host of Site:BaseUrl.</summary>
    public string? HeloName { get; set; }
    /// <summary>Connections kept open and reused; each is used by one sender at a time.</summary>
    public int MaxConnections { get; set; } = 4;
    /// <summary>0 means no limit.</summary>
    public double MaxMessagesPerSecond { get; set; }
    /// <summary>Tries per message for transient failures (4xx, dropped connections, timeouts before the body went out).</summary>
    public int MaxAttempts { get; set; } = 4;
    /// <summary>First retry delay; doubles with each further try.</summary>
    public int RetryDelayMilliseconds { get; set; } = 1000;
    public int TimeoutSeconds { get; set; } = 60;

    public bool UsesOutbox => string.IsNullOrWhiteSpace(Host);

    /// <summary>From, or for the outbox folder alone (mail to look at, not to send) a local stand-in.</summary>
    public string Sender => string.IsNullOrWhiteSpace(From) ? "Publisher <publisher@localhost>" : From;
}

public sealed class SubscriptionOptions
{
    /// <summary>POST /subscribe requests per client address per minute.</summary>
    public int PerClientPerMinute { get; set; } = 10;
    /// <summary>POST /subscribe requests per target email address per hour.</summary>
    public int PerAddressPerHour { get; set; } = 5;
}

public sealed class DigestOptions
{
    /// <summary>Consecutive permanent refusals (5xx) after which a membership is marked Bounced.</summary>
    public int HardBouncesBeforeBounced { get; set; } = 3;
    /// <summary>
    /// Waits between tries of a temporarily refused delivery, and between probes of a server that cannot be reached:
    /// comma-separated TimeSpans, the last one repeating (see <see cref="Digests.RetrySchedule"/>).
    /// </summary>
    public string RetryDelays { get; set; } = Digests.RetrySchedule.DefaultDelays;
    /// <summary>How long a delivery (or a digest whose server is down) is retried before it is Failed.</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>DKIM signing of every outgoing mail, when all three are set.</summary>
public sealed class DkimOptions
{
    public string? Domain { get; set; }
    public string? Selector { get; set; }
    /// <summary>PEM file with the RSA private key whose public half is published at &lt;Selector&gt;._domainkey.&lt;Domain&gt;.</summary>
    public string? PrivateKeyPath { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Domain) || !string.IsNullOrWhiteSpace(Selector) || !string.IsNullOrWhiteSpace(PrivateKeyPath);
}
