using System.Threading.Channels;

namespace Publisher.Articles;

/// <summary>
/// Tells whoever publishes from the articles (feeds, pages) that they changed. Many changes in a
/// row collapse into one pending signal, so a burst of ingests causes one rebuild, not one each.
/// </summary>
public sealed class ArticleChanges
{
    private readonly Channel<bool> _pending = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Notify() => _pending.Writer.TryWrite(true);

    /// <summary>Waits for a change, or for <paramref name="timeout"/>; true when there was a change.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await _pending.Reader.ReadAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
