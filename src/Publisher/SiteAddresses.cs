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
        string candidate = $"{request.Scheme}://{host}{request.PathBase}";
        return string.Equals(candidate, Primary, StringComparison.OrdinalIgnoreCase) ? Primary : candidate;
    }
}
