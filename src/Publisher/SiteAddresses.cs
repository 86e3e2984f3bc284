using Microsoft.Extensions.Options;

namespace Publisher;

/// <summary>
/// The bases links are made under. Publisher:Site:BaseUrl when set; otherwise a request's own base, but only for a
/// Host in Publisher:Site:AllowedHosts (by default the addresses the service listens on, and localhost on their
/// ports). Any other Host gets the primary base: a client's Host header never chooses a link nor makes a cache entry.
/// </summary>
public sealed class SiteAddresses
{
    private readonly string? _configured;
    private readonly HashSet<string> _allowed = new(StringComparer.OrdinalIgnoreCase);

    public SiteAddresses(IOptions<PublisherOptions> options, IConfiguration configuration)
    {
        var site = options.Value.Site;
        _configured = string.IsNullOrWhiteSpace(site.BaseUrl) ? null : site.BaseUrl.TrimEnd('/');
        Primary = PublicUrls.Base(configuration);
        IdHost = new Uri(Primary).Host.ToLowerInvariant();
        if (!string.IsNullOrWhiteSpace(site.AllowedHosts))
            foreach (var host in SiteOptions.SplitHosts(site.AllowedHosts)) _allowed.Add(host);
        else
            foreach (var url in PublicUrls.ListenUrls(configuration))
            {
                var uri = new Uri(url);
                _allowed.Add(uri.Authority);
                _allowed.Add($"localhost:{uri.Port}");
            }
    }

    /// <summary>Site:BaseUrl, else the first address the service listens on: the base of feeds kept ready, mails and exports.</summary>
    public string Primary { get; }

    /// <summary>The host that names the site in feed entry ids (tag: URIs); from configuration only.</summary>
    public string IdHost { get; }

    public IReadOnlyCollection<string> AllowedHosts => _allowed;

    /// <summary>The base for links in answer to <paramref name="request"/>.</summary>
    public string For(HttpRequest request)
    {
        if (_configured is not null) return _configured;
        string host = request.Host.Value ?? "";
        if (host.Length == 0 || !_allowed.Contains(host)) return Primary;
        // Keyed by allowed hosts only, so this stays as small as the list; one string per base, not per request.
        return _bases.GetOrAdd((request.Scheme, host, request.PathBase.Value ?? ""), k =>
        {
            string candidate = $"{k.Scheme}://{k.Host.ToLowerInvariant()}{k.PathBase}";
            return string.Equals(candidate, Primary, StringComparison.OrdinalIgnoreCase) ? Primary : candidate;
        });
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Scheme, string Host, string PathBase), string> _bases = new(new IgnoreCase());

    /// <summary>Host names are case-insensitive: LOCALHOST and localhost are one key, not one per spelling.</summary>
    private sealed class IgnoreCase : IEqualityComparer<(string Scheme, string Host, string PathBase)>
    {
        public bool Equals((string Scheme, string Host, string PathBase) x, (string Scheme, string Host, string PathBase) y) =>
            StringComparer.OrdinalIgnoreCase.Equals(x.Scheme, y.Scheme) && StringComparer.OrdinalIgnoreCase.Equals(x.Host, y.Host) && x.PathBase == y.PathBase;

        public int GetHashCode((string Scheme, string Host, string PathBase) k) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(k.Scheme), StringComparer.OrdinalIgnoreCase.GetHashCode(k.Host), k.PathBase);
    }
}
