namespace Publisher.Feeds;

/// <summary>The kinds of feed each feed path offers.</summary>
public enum FeedFormat { Rss, Atom, Json }

public static class FeedFormats
{
    public static readonly FeedFormat[] All = [FeedFormat.Rss, FeedFormat.Atom, FeedFormat.Json];

    public static string FileName(this FeedFormat f) => f switch { FeedFormat.Rss => "rss.xml", FeedFormat.Atom => "atom.xml", _ => "feed.json" };
    public static string MediaType(this FeedFormat f) => f switch { FeedFormat.Rss => "application/rss+xml", FeedFormat.Atom => "application/atom+xml", _ => "application/feed+json" };
    public static string ContentType(this FeedFormat f) => f.MediaType() + "; charset=utf-8";

    public static FeedFormat? FromFileName(string name) => name switch
    {
        "rss.xml" => FeedFormat.Rss,
        "atom.xml" => FeedFormat.Atom,
        "feed.json" => FeedFormat.Json,
        _ => null,
    };
}
