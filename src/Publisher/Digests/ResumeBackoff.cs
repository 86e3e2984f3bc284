namespace Publisher.Digests;

/// <summary>
/// How often a digest is resumed. One resumed again without any of its waiting rows having been touched since its
/// last resume (its template throws before anything is claimed, say) waits twice as long each time, up to <c>max</c>,
/// instead of filling the dashboard with failed batches every few seconds; one whose rows were worked on in between
/// (sent, deferred) is resumed at once. Used by one loop only, so not thread-safe.
/// </summary>
public sealed class ResumeBackoff(TimeSpan first, TimeSpan max)
{
    private readonly Dictionary<int, (int Resumes, DateTime NotBefore, long Progress)> _entries = [];

    /// <summary>Whether to resume the digest now; if so, records it.</summary>
    /// <param name="progress">Changes whenever the digest's waiting rows are worked on (their latest update time).</param>
    /// <param name="resumes">How many times in a row it has been resumed without progress, this one included.</param>
    /// <param name="wait">How long until it may be resumed again without progress.</param>
    public bool TryResume(int digestId, long progress, DateTime now, out int resumes, out TimeSpan wait)
    {
        if (_entries.TryGetValue(digestId, out var entry) && progress != entry.Progress) entry = default; // it progressed
        if (now < entry.NotBefore)
        {
            (resumes, wait) = (entry.Resumes, entry.NotBefore - now);
            return false;
        }
        resumes = entry.Resumes + 1;
        wait = TimeSpan.FromTicks(Math.Min(max.Ticks, first.Ticks << Math.Min(resumes - 1, 20)));
        _entries[digestId] = (resumes, now + wait, progress);
        return true;
    }

    /// <summary>Drops digests not resumed for longer than <c>max</c> (finished, or going well).</summary>
    public void Forget(DateTime now)
    {
        foreach (var id in _entries.Where(e => now - e.Value.NotBefore > max).Select(e => e.Key).ToList()) _entries.Remove(id);
    }
}
