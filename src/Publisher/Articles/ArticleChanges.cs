using System.Collections.Concurrent;

namespace Publisher.Articles;

/// <summary>
/// Tells whoever publishes from the articles (feeds, pages) that they changed, and which ones, so the feeds
/// reload those rows instead of every article.
/// </summary>
public sealed class ArticleChanges : Signal
{
    private readonly ConcurrentQueue<int> _ids = new();

    /// <summary>The articles with these ids were added, edited or deleted.</summary>
    public void Changed(IEnumerable<int> ids)
    {
        foreach (var id in ids) _ids.Enqueue(id);
        Notify();
    }

    /// <summary>True while changes wait to be taken.</summary>
    public bool Pending => !_ids.IsEmpty;

    /// <summary>The ids changed since the last call, each once.</summary>
    public HashSet<int> TakeChanged()
    {
        var ids = new HashSet<int>();
        while (_ids.TryDequeue(out int id)) ids.Add(id);
        return ids;
    }
}
