using System.Text;

namespace Publisher.WebSub;

public enum HubMode { Subscribe, Unsubscribe }

/// <summary>A subscriber's request to the built-in hub, checked before anything is done with it.</summary>
public sealed record SubscriptionRequest(HubMode Mode, string Callback, string Topic, int LeaseSeconds, string? Secret)
{
    /// <summary>Reads the form of POST /websub; the error names the parameter that is wrong.</summary>
    public static SubscriptionRequest? Read(IFormCollection form, string primaryBase, WebSubOptions options, out string? error)
    {
        error = null;
        HubMode? mode = form["hub.mode"].ToString() switch { "subscribe" => HubMode.Subscribe, "unsubscribe" => HubMode.Unsubscribe, _ => null };
        string callback = form["hub.callback"].ToString(), topic = form["hub.topic"].ToString();
        string? secret = form["hub.secret"].Count > 0 ? form["hub.secret"].ToString() : null;
        int lease = options.DefaultLeaseSeconds;
        if (mode is null) error = "hub.mode must be 'subscribe' or 'unsubscribe'.";
        else if (!IsHttpUrl(callback) || callback.Length > WebSubSubscription.MaxUrlLength)
            error = "hub.callback must be an absolute http(s) URL of at most 2000 characters.";
        else if (CanonicalTopic(topic, primaryBase) is null)
            error = $"hub.topic must be the URL of one of this site's feeds as its self link names it, under {primaryBase}/feeds/.";
        else if (secret is not null && (secret.Length == 0 || Encoding.UTF8.GetByteCount(secret) > WebSubSubscription.MaxSecretBytes))
            error = "hub.secret must be 1 to 199 bytes.";
        else if (form["hub.lease_seconds"].Count > 0 && !int.TryParse(form["hub.lease_seconds"], out lease))
            error = "hub.lease_seconds must be a whole number of seconds.";
        if (error is not null) return null;
        topic = CanonicalTopic(topic, primaryBase)!;
        // The hub decides the lease: at least a minute, at most the configured maximum.
        return new SubscriptionRequest(mode!.Value, callback, topic, Math.Clamp(lease, 60, options.MaxLeaseSeconds), secret);
    }

    private static bool IsHttpUrl(string s) =>
        Uri.TryCreate(s, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>
    /// A feed's first page under the primary base (feeds/{rss.xml,atom.xml,feed.json} or feeds/categories/{slug}/…),
    /// spelt as the feed's self link spells it, so a topic written as an IRI or with lower-case escapes still matches
    /// the pushes; null for anything else.
    /// </summary>
    public static string? CanonicalTopic(string topic, string primaryBase)
    {
        string prefix = primaryBase + "/feeds/";
        if (!topic.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || topic.Contains('?') || topic.Contains('#')) return null;
        var parts = topic[prefix.Length..].Split('/');
        var links = new Feeds.SiteLinks(primaryBase);
        return parts switch
        {
            [var file] when Feeds.FeedFormats.FromFileName(file) is { } format => links.Feed(null, format).AbsoluteUri,
            ["categories", var slug, var file] when slug.Length > 0 && Feeds.FeedFormats.FromFileName(file) is { } format =>
                links.Feed(Uri.UnescapeDataString(slug), format).AbsoluteUri,
            _ => null,
        };
    }
}
