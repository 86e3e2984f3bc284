namespace Publisher.Digests;

/// <summary>
/// How often a stalled digest is resumed. One that stalls again without sending anything since its last resume
/// (its template throws, say) waits twice as long each time, up to <c>max</c>, instead of filling the dashboard with
/// failed batches every few seconds; one that sent something in between (a large list between rounds of batch
/// jobs) is resumed at once. Used by one loop only, so not thread-safe.
/// </summary>
public sealed class ResumeBackoff(TimeSpan first, TimeSpan max)
{
    private readonly Dictionary<int, (int Resumes, DateTime NotBefore, int Open)> _entries = [];

    /// <summary>Whether to resume the digest now, with <paramref name="open"/> rows unsent; if so, records it.</summary>
    /// <param name="resumes">How many times in a row it has been resumed without progress, this one included.</param>
    /// <param name="wait">How long until it may be resumed again without progress.</param>
    public bool TryResume(int digestId, int open, DateTime now, out int resumes, out TimeSpan wait)
    {
        if (_entries.TryGetValue(digestId, out var entry) && open < entry.Open) entry = default; // it progressed
        if (now < entry.NotBefore)
        {
            (resumes, wait) = (entry.Resumes, entry.NotBefore - now);
            return false;
        }
        resumes = entry.Resumes + 1;
        wait = TimeSpan.FromTicks(Math.Min(max.Ticks, first.Ticks << Math.Min(resumes - 1, 20)));
        _entries[digestId] = (resumes, now + wait, open);
        return true;
    }

    /// <summary>Drops digests not resumed for longer than <c>max</c> (finished, or going well).</summary>
    public void Forget(DateTime now)
    {
        foreach (var id in _entries.Where(e => now - e.Value.NotBefore > max).Select(e => e.Key).ToList()) _entries.Remove(id);
    }
}
