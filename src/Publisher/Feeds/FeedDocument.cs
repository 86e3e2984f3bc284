using System.Security.Cryptography;

namespace Publisher.Feeds;

/// <summary>One serialized feed (or feed page) as served: its bytes and the validators derived from them.</summary>
public sealed record FeedDocument(byte[] Bytes, string ContentType, string ETag, DateTimeOffset LastModified)
{
    public static FeedDocument Create(byte[] bytes, string contentType, DateTimeOffset lastModified) =>
        new(bytes, contentType, StrongETag(bytes), TruncateToSeconds(lastModified));

    /// <summary>A strong validator: a hash of exactly these bytes.</summary>
    public static string StrongETag(byte[] bytes) =>
        "\"" + Convert.ToBase64String(SHA256.HashData(bytes), 0, 18).Replace('+', '-').Replace('/', '_') + "\"";

    // HTTP dates have whole seconds; comparing If-Modified-Since against sub-second times would never match.
    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) =>
        new(t.UtcDateTime.Ticks - t.UtcDateTime.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}

/// <summary>The kinds of feed each feed path offers.</summary>
public enum FeedFormat { Rss, Atom, Json }

public static class FeedFormats
{
    public const string RssType = "application/rss+xml; charset=utf-8";
    public const string AtomType = "application/atom+xml; charset=utf-8";
    public const string JsonType = "application/feed+json; charset=utf-8";

    public static string FileName(this FeedFormat f) => f switch { FeedFormat.Rss => "rss.xml", FeedFormat.Atom => "atom.xml", _ => "feed.json" };
    public static string ContentType(this FeedFormat f) => f switch { FeedFormat.Rss => RssType, FeedFormat.Atom => AtomType, _ => JsonType };

    public static FeedFormat? FromFileName(string name) => name switch
    {
        "rss.xml" => FeedFormat.Rss,
        "atom.xml" => FeedFormat.Atom,
        "feed.json" => FeedFormat.Json,
        _ => null,
    };
}
