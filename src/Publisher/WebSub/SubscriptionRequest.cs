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
        else if (!IsOurFeed(topic, primaryBase))
            error = $"hub.topic must be the URL of one of this site's feeds as its self link names it, under {primaryBase}/feeds/.";
        else if (secret is not null && (secret.Length == 0 || Encoding.UTF8.GetByteCount(secret) > WebSubSubscription.MaxSecretBytes))
            error = "hub.secret must be 1 to 199 bytes.";
        else if (form["hub.lease_seconds"].Count > 0 && !int.TryParse(form["hub.lease_seconds"], out lease))
            error = "hub.lease_seconds must be a whole number of seconds.";
        if (error is not null) return null;
        // The hub decides the lease: at least a minute, at most the configured maximum.
        return new SubscriptionRequest(mode!.Value, callback, topic, Math.Clamp(lease, 60, options.MaxLeaseSeconds), secret);
    }

    private static bool IsHttpUrl(string s) =>
        Uri.TryCreate(s, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>A feed's first page under the primary base: feeds/{rss.xml,atom.xml,feed.json} or feeds/categories/{slug}/….</summary>
    public static bool IsOurFeed(string topic, string primaryBase)
    {
        string prefix = primaryBase + "/feeds/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal) || topic.Contains('?') || topic.Contains('#')) return false;
        var parts = topic[prefix.Length..].Split('/');
        return parts switch
        {
            [var file] => Feeds.FeedFormats.FromFileName(file) is not null,
            ["categories", var slug, var file] => slug.Length > 0 && Feeds.FeedFormats.FromFileName(file) is not null,
            _ => false,
        };
    }
}
