using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Articles;
using Publisher.Data;

namespace Publisher.Feeds;

/// <summary>
/// The published feeds. Kept ready, for the primary base: the first page of every feed in every format, which is what
/// readers poll. Everything else (deeper pages, other allowed hosts) is built on request into a bounded cache. The
/// index of all articles (ids, categories, dates; no bodies) is updated per change, and only the feeds a change
/// touches are built again. Requests never wait for a rebuild: they read the last published state.
/// </summary>
public sealed class FeedStore(IServiceScopeFactory scopes, IOptions<PublisherOptions> options, SiteAddresses addresses, TimeProvider clock,
    ILogger<FeedStore> logger)
{
    /// <param name="Articles">The page's articles, kept so that the next change loads only the rows it changed.</param>
    private sealed record ReadyDocument(string Fingerprint, FeedDocument Document, IReadOnlyList<Article> Articles);
    private sealed record State(FeedIndex Index, IReadOnlyDictionary<FeedKey, ReadyDocument> Ready);

    private readonly PublisherOptions _options = options.Value;
    private readonly FeedBuilder _builder = new(options.Value.Site);
    private readonly FeedPageCache _pages = new(options.Value.Feeds.PageCacheMegabytes * 1024L * 1024);
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Channel<FeedKey> _changed = Channel.CreateUnbounded<FeedKey>();
    private readonly ConcurrentDictionary<int, long> _unwritable = new();
    private volatile State? _state;

    private int PageSize => _options.Feeds.PageSize;

    /// <summary>First pages (primary base) whose bytes changed after the first publication, for WebSub.</summary>
    public ChannelReader<FeedKey> Changed => _changed.Reader;

    public FeedPageCache Pages => _pages;

    /// <summary>The published index, once the first publication is done.</summary>
    public async ValueTask<FeedIndex> IndexAsync(CancellationToken ct = default) => (await StateAsync(ct)).Index;

    public string? CategoryName(string slug) { lock (_names) return _names.GetValueOrDefault(slug); }

    /// <summary>The document for <paramref name="key"/> with links under <paramref name="baseUrl"/>; null when there is no such page.</summary>
    public async ValueTask<FeedDocument?> GetAsync(string baseUrl, FeedKey key, CancellationToken ct = default)
    {
        var state = await StateAsync(ct);
        var group = state.Index.Group(key.CategorySlug);
        if (group is null || key.Page < 1 || key.Page > group.Pages(PageSize)) return null;
        if (key.Page == 1 && baseUrl == addresses.Primary && state.Ready.TryGetValue(key, out var ready)) return ready.Document;
        string fingerprint = Fingerprint(group, key.Page);
        return await _pages.GetOrBuildAsync(baseUrl, key, fingerprint, async () =>
        {
            var articles = await LoadAsync([group.Page(key.Page, PageSize)], new Dictionary<int, Article>(), CancellationToken.None);
            var doc = FeedDocument.Create(Serialize(group, key, articles[0], baseUrl), key.Format.ContentType(), FeedBuilder.LastModified(articles[0]));
            return doc.WithLastModified(Max(doc.LastModified, group.ChangedAt));
        });
    }

    private async ValueTask<State> StateAsync(CancellationToken ct)
    {
        if (_state is { } state) return state;
        await _first.Task.WaitAsync(ct);
        return _state!;
    }

    /// <summary>Loads the whole index again and rebuilds the first pages whose content changed.</summary>
    public async Task<PublishOutcome> ReloadAsync(CancellationToken ct = default)
    {
        await _publishing.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var slugs = new Dictionary<string, string>(StringComparer.Ordinal); // one string per category, not one per row
            var entries = await db.Articles.AsNoTracking()
                .Select(a => new { a.Id, a.CategorySlug, a.PublishedUtc, a.UpdatedUtc })
                .ToListAsync(ct);
            var index = FeedIndex.Create(entries.Select(e => new FeedEntry(e.Id,
                e.CategorySlug is null ? null : slugs.TryGetValue(e.CategorySlug, out var s) ? s : slugs[e.CategorySlug] = e.CategorySlug,
                e.PublishedUtc.Ticks, e.UpdatedUtc.Ticks)));
            return await PublishAsync(index, index.Groups.ToList(), changed: null, ct);
        }
        finally { _publishing.Release(); }
    }

    /// <summary>Takes in the articles of <paramref name="ids"/> (added, edited or deleted) and rebuilds the feeds they are in.</summary>
    public async Task<PublishOutcome> ApplyAsync(IReadOnlySet<int> ids, CancellationToken ct = default)
    {
        if (_state is null || ids.Count > 2000) return await ReloadAsync(ct);
        await _publishing.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            long started = clock.GetTimestamp();
            var idList = ids.ToList();
            var rows = await db.Articles.AsNoTracking().Where(a => idList.Contains(a.Id))
                .Select(a => new { a.Id, a.CategorySlug, a.PublishedUtc, a.UpdatedUtc }).ToListAsync(ct);
            var current = rows.Select(r => new FeedEntry(r.Id, r.CategorySlug, r.PublishedUtc.Ticks, r.UpdatedUtc.Ticks)).ToList();
            var index = _state.Index.With(ids, current, clock.GetUtcNow(), out var touched);
            var indexed = clock.GetElapsedTime(started);
            return await PublishAsync(index, touched.Select(index.Group).OfType<FeedGroup>().ToList(), ids, ct) with { IndexTime = indexed };
        }
        finally { _publishing.Release(); }
    }

    /// <summary>
    /// Serializes ready first pages again into nowhere: runs the serializers enough times, once the start-up is over, for
    /// the runtime to compile them optimized (tier 1) before the first real change needs them. Nothing is kept, not even
    /// for a moment: a round that made the 63 documents of 10,000 articles as arrays left 20 MB of large objects behind,
    /// and the peak RSS rose by about 10 MB. At most <paramref name="maxDocuments"/> a round, and none once
    /// <paramref name="stop"/> says so (a change waiting, a stop), so a large site's round never holds up a change. A page
    /// that cannot be written (an article the real build leaves out, and says so once) is skipped here without a word.
    /// </summary>
    public (int Written, int Failed) WarmUp(int maxDocuments, Func<bool> stop)
    {
        if (_state is not { } state) return (0, 0);
        var links = new SiteLinks(addresses.Primary, NullIfEmpty(_options.WebSub.Hub));
        int written = 0, failed = 0;
        foreach (var (key, ready) in state.Ready)
        {
            if (written + failed >= maxDocuments || stop()) break;
            if (state.Index.Group(key.CategorySlug) is not { } group) continue;
            try
            {
                _builder.WriteTo(PageOf(group, key, Title(group), ready.Articles, links), Stream.Null);
                written++;
            }
            catch (Exception)
            {
                failed++;
            }
        }
        return (written, failed);
    }

    /// <summary>True when the database holds exactly what the index says (count, newest id, newest update).</summary>
    public async Task<bool> MatchesDatabaseAsync(CancellationToken ct = default)
    {
        if (_state is not { } state) return false;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        var stats = await db.Articles.GroupBy(_ => 1)
            .Select(g => new { Count = g.Count(), MaxId = g.Max(a => a.Id), Updated = g.Max(a => a.UpdatedUtc) })
            .SingleOrDefaultAsync(ct);
        if (stats is null) return state.Index.Count == 0;
        return stats.Count == state.Index.Count && stats.MaxId == state.Index.MaxId && stats.Updated.Ticks == state.Index.MaxUpdatedTicks;
    }

    /// <param name="changed">The articles known to have changed since the last publication; null when anything may have
    /// (a full load), so no article of the ready pages is taken over.</param>
    private async Task<PublishOutcome> PublishAsync(FeedIndex index, IReadOnlyList<FeedGroup> groups, IReadOnlySet<int>? changed, CancellationToken ct)
    {
        var previous = _state;
        var ready = StillReady(previous, index);

        // Load every changed first page's articles (one query), then serialize and compress the documents on all cores.
        long started = clock.GetTimestamp();
        // A first page holding a changed article is built again even when its fingerprint is the same: an edit of an
        // article dated in the future keeps its UpdatedUtc (its publication time), and only its content tells.
        var stale = groups.Where(g => previous?.Ready.GetValueOrDefault(new FeedKey(g.CategorySlug, FeedFormat.Rss))?.Fingerprint != Fingerprint(g, 1)
            || (changed is not null && g.Page(1, PageSize).Any(e => changed.Contains(e.Id)))).ToList();
        var known = Unchanged(previous, changed);
        var pages = await LoadAsync(stale.Select(g => g.Page(1, PageSize)).ToList(), known, ct);
        var work = new List<(FeedGroup Group, string Fingerprint, List<Article> Articles)>();
        for (int i = 0; i < stale.Count; i++)
        {
            var (group, articles) = (stale[i], pages[i]);
            if (group.CategorySlug is not null && articles.Count > 0)
                lock (_names) _names[group.CategorySlug] = articles[0].Category ?? group.CategorySlug;
            work.Add((group, Fingerprint(group, 1), articles)); // again: the category's name, part of it, may just have changed
        }
        var loaded = clock.GetElapsedTime(started);
        var jobs = work.SelectMany(w => FeedFormats.All.Select(f => (w.Group, w.Fingerprint, w.Articles, Key: new FeedKey(w.Group.CategorySlug, f)))).ToList();
        var serialized = new byte[jobs.Count][];
        Parallel.ForEach(Partitioner.Create(Enumerable.Range(0, jobs.Count).ToArray(), loadBalance: true),
            i => serialized[i] = Serialize(jobs[i].Group, jobs[i].Key, jobs[i].Articles, addresses.Primary));
        var serializedAt = clock.GetElapsedTime(started);
        var docs = FeedDocument.CreateAll(jobs.Select((j, i) => (serialized[i], j.Key.Format.ContentType(), FeedBuilder.LastModified(j.Articles))).ToList());
        var built = jobs.Select((j, i) => (j.Key, j.Fingerprint, j.Articles, Doc: docs[i])).ToList();

        var news = new List<FeedKey>();
        foreach (var (key, fingerprint, articles, doc) in built)
        {
            var group = index.Group(key.CategorySlug)!;
            var old = previous?.Ready.GetValueOrDefault(key)?.Document;
            var published = doc.WithLastModified(Max(doc.LastModified, previous is null ? group.ChangedAt : clock.GetUtcNow()));
            if (old is not null && old.ETag == doc.ETag) published = old;
            // Last-Modified moves forward whenever the bytes change (an item deleted, the site renamed), never back.
            else if (old is not null && published.LastModified <= old.LastModified) published = published.WithLastModified(old.LastModified.AddSeconds(1));
            // After the first publication every new or changed first page is news (a category's first article too).
            if (previous is not null && published != old) news.Add(key);
            ready[key] = new ReadyDocument(fingerprint, published, articles);
        }
        _state = new State(index, ready);
        _first.TrySetResult();
        foreach (var key in news) _changed.Writer.TryWrite(key);
        return new PublishOutcome(index.Count, work.Count, built.Count)
        {
            LoadTime = loaded, SerializeTime = serializedAt - loaded, BuildTime = clock.GetElapsedTime(started) - loaded,
        };
    }

    // The loops of a publication are in methods of their own, compiled optimized at once: a loop left in PublishAsync
    // (called once per change, so never counted up to tier 1) was compiled on the spot by on-stack replacement in the
    // third change after every start, 9-18 ms of that rebuild's load step (rebuild probe, bench/README.md third round).

    /// <summary>The ready documents of the feeds that still exist.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Dictionary<FeedKey, ReadyDocument> StillReady(State? previous, FeedIndex index)
    {
        var ready = new Dictionary<FeedKey, ReadyDocument>();
        if (previous is not null)
            foreach (var (key, doc) in previous.Ready)
                if (index.Group(key.CategorySlug) is not null) ready[key] = doc;
        return ready;
    }

    /// <summary>The articles of the ready first pages that are not among <paramref name="changed"/>, by id.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Dictionary<int, Article> Unchanged(State? previous, IReadOnlySet<int>? changed)
    {
        var known = new Dictionary<int, Article>();
        if (previous is not null && changed is not null)
            foreach (var r in previous.Ready.Values)
                foreach (var a in r.Articles) if (!changed.Contains(a.Id)) known.TryAdd(a.Id, a);
        return known;
    }

    private byte[] Serialize(FeedGroup group, FeedKey key, IReadOnlyList<Article> articles, string baseUrl)
    {
        string title = Title(group);
        var links = new SiteLinks(baseUrl, NullIfEmpty(_options.WebSub.Hub));
        FeedPage Page(IReadOnlyList<Article> items) => PageOf(group, key, title, items, links);
        try
        {
            return _builder.Build(Page(articles));
        }
        catch (Exception ex) when (ex is not OperationCanceledException && articles.Count > 0)
        {
            // One row the writer cannot write (an offset no clock has, say) must not stop the feeds of all the others:
            // find it, leave it out, and name it. A failure that is not one article's fails the whole build, as before.
            var writable = articles.Where(a => Writable(a, Page)).ToList();
            if (writable.Count == articles.Count) throw;
            return _builder.Build(Page(writable));
        }
    }

    private FeedPage PageOf(FeedGroup group, FeedKey key, string title, IReadOnlyList<Article> items, SiteLinks links) =>
        new(key, title, items, group.Pages(PageSize), links, addresses.IdHost);

    private string Title(FeedGroup group) =>
        group.CategorySlug is null ? _options.Site.Title : $"{_options.Site.Title} · {CategoryName(group.CategorySlug) ?? group.CategorySlug}";

    private bool Writable(Article article, Func<IReadOnlyList<Article>, FeedPage> page)
    {
        try
        {
            _builder.Build(page([article]));
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Once per version of the article, not once per format and rebuild.
            if (_unwritable.TryGetValue(article.Id, out long logged) && logged == article.UpdatedUtc.Ticks) return false;
            _unwritable[article.Id] = article.UpdatedUtc.Ticks;
            logger.LogWarning(ex, "Article '{Slug}' (id {Id}, {SourceKey}) cannot be written into the feeds and is left out of them until it is fixed",
                article.Slug, article.Id, article.SourceKey);
            return false;
        }
    }

    /// <summary>
    /// The articles of each page, in the index's order, with what the feeds show (not the plain-text body, which they
    /// never use and which is as long as the HTML). Those in <paramref name="known"/> at the entry's version are taken
    /// from there; the others come in one query for all the pages.
    /// </summary>
    private async Task<List<Article>[]> LoadAsync(IReadOnlyList<ArraySegment<FeedEntry>> pages, IReadOnlyDictionary<int, Article> known,
        CancellationToken ct)
    {
        var ids = pages.SelectMany(p => p)
            .Where(e => !(known.TryGetValue(e.Id, out var a) && a.UpdatedUtc.Ticks == e.UpdatedTicks)).Select(e => e.Id).Distinct().ToList();
        var byId = ids.Count == 0 ? [] : await QueryAsync(ids, ct);
        // An article neither read now nor kept at the entry's version is gone (deleted meanwhile): left out, never an older copy.
        return pages.Select(p => p.Select(e => byId.TryGetValue(e.Id, out var read) ? read
                : known.TryGetValue(e.Id, out var kept) && kept.UpdatedUtc.Ticks == e.UpdatedTicks ? kept : null)
            .OfType<Article>().ToList()).ToArray();
    }

    private async Task<Dictionary<int, Article>> QueryAsync(List<int> ids, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        // One parameter for all the ids (a JSON array on SQLite, an array on PostgreSQL): a reload asks for every first
        // page at once, (categories + 1) × PageSize ids, which can pass SQLite's limit of 32,766 variables.
        return await db.Articles.AsNoTracking().Where(a => EF.Parameter(ids).Contains(a.Id)).Select(a => new Article
        {
            Id = a.Id, Uid = a.Uid, Slug = a.Slug, SourceKey = a.SourceKey, ContentHash = a.ContentHash, Format = a.Format,
            Title = a.Title, Summary = a.Summary, BodyHtml = a.BodyHtml, BodyText = "", Author = a.Author, Source = a.Source,
            Category = a.Category, CategorySlug = a.CategorySlug, Tags = a.Tags, PublishedUtc = a.PublishedUtc,
            PublishedOffsetMinutes = a.PublishedOffsetMinutes, FirstPublishedOn = a.FirstPublishedOn, CreatedUtc = a.CreatedUtc,
            UpdatedUtc = a.UpdatedUtc,
        }).ToDictionaryAsync(a => a.Id, ct);
    }

    /// <summary>Everything a page's bytes depend on besides its base: its articles' ids and versions, the page count, the title.</summary>
    private string Fingerprint(FeedGroup group, int page)
    {
        var entries = group.Page(page, PageSize);
        var bytes = new byte[entries.Count * 12 + 8];
        for (int i = 0; i < entries.Count; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 12), entries[i].Id);
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 12 + 4), entries[i].UpdatedTicks);
        }
        BitConverter.TryWriteBytes(bytes.AsSpan(entries.Count * 12), group.Pages(PageSize));
        string? name = group.CategorySlug is null ? null : CategoryName(group.CategorySlug);
        return Convert.ToBase64String(SHA256.HashData(bytes)) + "|" + name;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}

/// <summary>What one publication did: the articles in the index, the feeds built again, the documents made, and the time
/// spent updating the index, loading the changed pages' articles, and serializing and compressing them.</summary>
public readonly record struct PublishOutcome(int Articles, int Groups, int Documents)
{
    public TimeSpan IndexTime { get; init; }
    public TimeSpan LoadTime { get; init; }
    /// <summary>Of <see cref="BuildTime"/>, the serializing; the rest is compressing and hashing.</summary>
    public TimeSpan SerializeTime { get; init; }
    public TimeSpan BuildTime { get; init; }
}
