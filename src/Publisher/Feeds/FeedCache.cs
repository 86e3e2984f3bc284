using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Articles;
using Publisher.Data;

namespace Publisher.Feeds;

/// <summary>Everything published at one moment: the articles, newest first, and every feed built from them.</summary>
public sealed record FeedSnapshot(IReadOnlyList<Article> Articles, IReadOnlyDictionary<FeedKey, FeedDocument> Documents, long Version,
    IReadOnlyDictionary<string, string> Fingerprints)
{
    private Dictionary<string, Article>? _bySlug;

    /// <summary>Article pages look up by slug; built once per snapshot, on first use.</summary>
    public Article? FindBySlug(string slug) =>
        (_bySlug ??= Articles.ToDictionary(a => a.Slug, StringComparer.Ordinal)).GetValueOrDefault(slug);

    public IEnumerable<(string Slug, string Name)> Categories =>
        Articles.Where(a => a.CategorySlug is not null).GroupBy(a => a.CategorySlug!).Select(g => (g.Key, g.First().Category!));
}

/// <summary>
/// Holds the built feeds in memory. They are rebuilt when articles change, never by a request:
/// requests only look bytes up. Without a configured BaseUrl, links follow each request's own base,
/// so one snapshot is kept per base seen (a few at most).
/// </summary>
public sealed class FeedCache(IServiceScopeFactory scopes, IOptions<PublisherOptions> options, ILogger<FeedCache> logger)
{
    private const int MaxBases = 8;
    private readonly SemaphoreSlim _rebuild = new(1, 1);
    private readonly ConcurrentDictionary<string, FeedSnapshot> _byBase = new(StringComparer.OrdinalIgnoreCase);
    private readonly PublisherOptions _options = options.Value;
    private IReadOnlyList<Article>? _articles;
    private long _version;

    public string? ConfiguredBase => string.IsNullOrWhiteSpace(_options.Site.BaseUrl) ? null : _options.Site.BaseUrl.TrimEnd('/');

    /// <summary>The published snapshot for links under <paramref name="requestBase"/> (ignored when BaseUrl is configured).</summary>
    public async ValueTask<FeedSnapshot> GetAsync(string requestBase, CancellationToken ct = default)
    {
        string baseUrl = ConfiguredBase ?? requestBase.TrimEnd('/');
        if (_byBase.TryGetValue(baseUrl, out var snapshot)) return snapshot;
        // First request for a base we have not built yet (or the very first start): build once under the lock.
        await _rebuild.WaitAsync(ct);
        try
        {
            if (_byBase.TryGetValue(baseUrl, out snapshot)) return snapshot;
            _articles ??= await LoadAsync(ct);
            if (_byBase.Count >= MaxBases)
            {
                // Host headers are the client's to choose: past a few bases, new ones get an existing build
                // instead of a rebuild each (set Publisher:Site:BaseUrl and there is only one base).
                logger.LogWarning("Feeds are built for {Count} base URLs already; {Base} gets an existing build. Set Publisher:Site:BaseUrl.", _byBase.Count, baseUrl);
                return _byBase.Values.First();
            }
            return _byBase[baseUrl] = Build(_articles, baseUrl, _version);
        }
        finally { _rebuild.Release(); }
    }

    /// <summary>Reloads the articles and rebuilds every snapshot; validators change only where bytes did.</summary>
    public async Task RebuildAsync(CancellationToken ct = default)
    {
        await _rebuild.WaitAsync(ct);
        try
        {
            var started = TimeProvider.System.GetTimestamp();
            _articles = await LoadAsync(ct);
            long version = ++_version;
            var bases = _byBase.Keys.ToList();
            if (ConfiguredBase is { } configured && !bases.Contains(configured)) bases.Add(configured);
            foreach (var b in bases)
            {
                _byBase.TryGetValue(b, out var previous);
                _byBase[b] = Build(_articles, b, version, previous);
            }
            logger.LogInformation("Built feeds of {Count} articles for {Bases} base URL(s) in {Elapsed:N0} ms",
                _articles.Count, bases.Count, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
        }
        finally { _rebuild.Release(); }
    }

    /// <summary>
    /// Builds every document, reusing a group's documents from <paramref name="previous"/> when nothing it shows
    /// changed (a new article rebuilds the site feed and its own category, not every category), on all cores.
    /// </summary>
    private FeedSnapshot Build(IReadOnlyList<Article> articles, string baseUrl, long version, FeedSnapshot? previous = null)
    {
        var builder = new FeedBuilder(_options.Site, _options.Feeds.PageSize);
        var documents = new ConcurrentDictionary<FeedKey, FeedDocument>();
        var fingerprints = new Dictionary<string, string>();
        var work = new List<(FeedGroup Group, FeedKey Key)>();
        foreach (var group in builder.Groups(articles))
        {
            string fingerprint = group.Fingerprint();
            fingerprints[group.CategorySlug ?? ""] = fingerprint;
            var keys = builder.Keys(group).ToList();
            if (previous is not null && previous.Fingerprints.GetValueOrDefault(group.CategorySlug ?? "") == fingerprint
                && keys.All(previous.Documents.ContainsKey))
                foreach (var key in keys) documents[key] = previous.Documents[key];
            else
                work.AddRange(keys.Select(k => (group, k)));
        }
        Parallel.ForEach(work, item => documents[item.Key] = builder.Build(item.Group, item.Key, baseUrl));

        if (previous is not null)
        {
            // Last-Modified must move forward whenever the bytes change, even when the newest item did not
            // (an article deleted, or the site title edited).
            var now = DateTimeOffset.UtcNow;
            foreach (var (key, doc) in documents.ToList())
            {
                if (!previous.Documents.TryGetValue(key, out var old) || ReferenceEquals(old, doc)) continue;
                if (old.ETag == doc.ETag) documents[key] = old;
                else if (doc.LastModified <= old.LastModified)
                    documents[key] = FeedDocument.Create(doc.Bytes, doc.ContentType, now > old.LastModified ? now : old.LastModified.AddSeconds(1));
            }
        }
        return new FeedSnapshot(articles, new Dictionary<FeedKey, FeedDocument>(documents), version, fingerprints);
    }

    private async Task<IReadOnlyList<Article>> LoadAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        return await db.Articles.AsNoTracking()
            .OrderByDescending(a => a.PublishedUtc).ThenByDescending(a => a.Id)
            .ToListAsync(ct);
    }
}
