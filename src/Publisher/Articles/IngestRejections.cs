namespace Publisher.Articles;

/// <summary>
/// The files the watcher rejected lately, with their reasons, for the admin console. Kept in memory only (the last
/// <see cref="Kept"/>; a restart forgets them, and the next rescan finds a still-bad file again, as the log does).
/// </summary>
public sealed class IngestRejections(TimeProvider clock)
{
    public const int Kept = 200;

    public sealed record Rejection(DateTime Utc, string File, string Reason);

    private readonly LinkedList<Rejection> _recent = new();

    public void Add(string file, string reason)
    {
        lock (_recent)
        {
            _recent.AddFirst(new Rejection(clock.GetUtcNow().UtcDateTime, file, reason));
            while (_recent.Count > Kept) _recent.RemoveLast();
        }
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<Rejection> Recent()
    {
        lock (_recent) return [.. _recent];
    }
}
