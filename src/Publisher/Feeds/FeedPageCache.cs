namespace Publisher.Feeds;

/// <summary>
/// Feed documents built on request (pages past the first, other allowed hosts), bounded by their bytes: the least
/// recently used go first. Each entry remembers what it was built from, so a changed page is built again, and two
/// requests for the same missing page share one build.
/// </summary>
public sealed class FeedPageCache(long capacityBytes)
{
    private sealed class Entry((string Base, FeedKey Key) id, string fingerprint, TaskCompletionSource<FeedDocument> build)
    {
        public (string Base, FeedKey Key) Id { get; } = id;
        public string Fingerprint { get; } = fingerprint;
        public TaskCompletionSource<FeedDocument> Build { get; } = build;
        public long Size { get; set; }
    }

    private readonly object _lock = new();
    private readonly Dictionary<(string Base, FeedKey Key), LinkedListNode<Entry>> _map = [];
    private readonly LinkedList<Entry> _recent = new();
    private long _size;

    public long Size { get { lock (_lock) return _size; } }
    public int Count { get { lock (_lock) return _map.Count; } }

    public async Task<FeedDocument> GetOrBuildAsync(string baseUrl, FeedKey key, string fingerprint, Func<Task<FeedDocument>> build)
    {
        var id = (baseUrl, key);
        Entry entry;
        bool mine = false;
        lock (_lock)
        {
            if (_map.TryGetValue(id, out var node) && node.Value.Fingerprint == fingerprint)
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                entry = node.Value;
            }
            else
            {
                if (node is not null) Remove(node);
                entry = new Entry(id, fingerprint, new TaskCompletionSource<FeedDocument>(TaskCreationOptions.RunContinuationsAsynchronously));
                _map[id] = _recent.AddFirst(entry);
                mine = true;
            }
        }
        if (mine)
        {
            try
            {
                var doc = await build();
                entry.Build.SetResult(doc);
                lock (_lock)
                {
                    if (_map.TryGetValue(id, out var node) && node.Value == entry)
                    {
                        entry.Size = doc.Size;
                        _size += doc.Size;
                        while (_size > capacityBytes && _recent.Last is { } oldest && oldest.Value != entry) Remove(oldest);
                    }
                }
            }
            catch (Exception ex)
            {
                lock (_lock) if (_map.TryGetValue(id, out var node) && node.Value == entry) Remove(node);
                entry.Build.SetException(ex);
            }
        }
        return await entry.Build.Task;
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _recent.Remove(node);
        _map.Remove(node.Value.Id);
        _size -= node.Value.Size;
    }
}
