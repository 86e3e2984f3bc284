namespace Publisher.Feeds;

/// <summary>One article as the feeds order and group it. Bodies are not held: a page loads its own articles.</summary>
public readonly record struct FeedEntry(int Id, string? CategorySlug, long PublishedTicks, long UpdatedTicks);

/// <summary>The articles of one feed (the site's when <see cref="CategorySlug"/> is null), newest first.</summary>
/// <param name="ChangedAt">When the group last changed: a live change sets it to that moment; a load takes its newest update.</param>
public sealed record FeedGroup(string? CategorySlug, FeedEntry[] Entries, DateTimeOffset ChangedAt)
{
    public int Pages(int pageSize) => Math.Max(1, (Entries.Length + pageSize - 1) / pageSize);

    public ArraySegment<FeedEntry> Page(int page, int pageSize)
    {
        int from = (page - 1) * pageSize;
        return from >= Entries.Length ? ArraySegment<FeedEntry>.Empty : new(Entries, from, Math.Min(pageSize, Entries.Length - from));
    }
}

/// <summary>
/// Every published article's place in the feeds: the site group and one group per category, newest first.
/// Immutable; a change makes a new index that shares the groups it did not touch.
/// </summary>
public sealed class FeedIndex
{
    public static readonly Comparison<FeedEntry> NewestFirst = (a, b) =>
        a.PublishedTicks != b.PublishedTicks ? b.PublishedTicks.CompareTo(a.PublishedTicks) : b.Id.CompareTo(a.Id);

    public static readonly FeedIndex Empty = new(new FeedGroup(null, [], DateTimeOffset.UnixEpoch), new Dictionary<string, FeedGroup>(StringComparer.Ordinal));

    public FeedGroup Site { get; }
    public IReadOnlyDictionary<string, FeedGroup> Categories { get; }
    public int Count => Site.Entries.Length;
    public int MaxId { get; }
    public long MaxUpdatedTicks { get; }

    private FeedIndex(FeedGroup site, Dictionary<string, FeedGroup> categories)
    {
        Site = site;
        Categories = categories;
        foreach (var e in site.Entries)
        {
            if (e.Id > MaxId) MaxId = e.Id;
            if (e.UpdatedTicks > MaxUpdatedTicks) MaxUpdatedTicks = e.UpdatedTicks;
        }
    }

    public IEnumerable<FeedGroup> Groups => Categories.Values.Prepend(Site);

    public FeedGroup? Group(string? categorySlug) => categorySlug is null ? Site : Categories.GetValueOrDefault(categorySlug);

    /// <summary>An index of exactly these entries (a full load); each group dated by its newest update.</summary>
    public static FeedIndex Create(IEnumerable<FeedEntry> entries)
    {
        var all = entries.ToArray();
        Array.Sort(all, NewestFirst);
        var categories = all.Where(e => e.CategorySlug is not null).GroupBy(e => e.CategorySlug!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => NewGroup(g.Key, g.ToArray(), null), StringComparer.Ordinal);
        return new FeedIndex(NewGroup(null, all, null), categories);
    }

    /// <summary>
    /// This index with the articles of <paramref name="ids"/> replaced by <paramref name="current"/> (an id missing there
    /// was deleted). Only the groups those articles left or joined are rebuilt; they are dated <paramref name="now"/>.
    /// </summary>
    public FeedIndex With(IReadOnlySet<int> ids, IReadOnlyCollection<FeedEntry> current, DateTimeOffset now, out HashSet<string?> touched)
    {
        touched = [null];
        foreach (var e in Site.Entries) if (ids.Contains(e.Id) && e.CategorySlug is not null) touched.Add(e.CategorySlug);
        foreach (var e in current) if (e.CategorySlug is not null) touched.Add(e.CategorySlug);

        var categories = new Dictionary<string, FeedGroup>(Categories, StringComparer.Ordinal);
        foreach (var slug in touched)
        {
            if (slug is null) continue;
            var entries = Merge(categories.TryGetValue(slug, out var old) ? old.Entries : [], ids, current.Where(e => e.CategorySlug == slug));
            if (entries.Length == 0) categories.Remove(slug);
            else categories[slug] = Changed(old, slug, entries, now);
        }
        var site = Changed(Site, null, Merge(Site.Entries, ids, current), now);
        return new FeedIndex(site, categories);
    }

    /// <summary>A group with these entries; the old one, date and all, when the change left it as it was.</summary>
    private static FeedGroup Changed(FeedGroup? old, string? slug, FeedEntry[] entries, DateTimeOffset now) =>
        old is not null && old.Entries.AsSpan().SequenceEqual(entries) ? old : NewGroup(slug, entries, now);

    /// <summary>
    /// A sorted group without the entries of <paramref name="ids"/> and with <paramref name="added"/>, in one pass and
    /// one array (no re-sort, and no intermediate copies of 100,000 entries per change).
    /// </summary>
    private static FeedEntry[] Merge(FeedEntry[] sorted, IReadOnlySet<int> ids, IEnumerable<FeedEntry> added)
    {
        var extra = added.ToArray();
        Array.Sort(extra, NewestFirst);
        int removed = 0;
        foreach (var e in sorted) if (ids.Contains(e.Id)) removed++;
        var merged = new FeedEntry[sorted.Length - removed + extra.Length];
        int i = 0, j = 0, k = 0;
        while (k < merged.Length)
        {
            if (i < sorted.Length && ids.Contains(sorted[i].Id)) i++;
            else if (j == extra.Length || (i < sorted.Length && NewestFirst(sorted[i], extra[j]) <= 0)) merged[k++] = sorted[i++];
            else merged[k++] = extra[j++];
        }
        return merged;
    }

    private static FeedGroup NewGroup(string? slug, FeedEntry[] entries, DateTimeOffset? changedAt) =>
        new(slug, entries, changedAt ?? (entries.Length == 0 ? DateTimeOffset.UnixEpoch
            : new DateTimeOffset(entries.Max(e => e.UpdatedTicks), TimeSpan.Zero)));
}
