using System.Threading.Channels;

namespace Publisher;

/// <summary>
/// Wakes a background loop when something it works on changed in this process. Many notifications in a row
/// collapse into one pending signal, so a burst causes one pass, not one each. Each use is its own subclass,
/// so the container tells them apart.
/// </summary>
public abstract class Signal
{
    private readonly Channel<bool> _pending = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Notify() => _pending.Writer.TryWrite(true);

    /// <summary>Waits for a notification, or for <paramref name="timeout"/>; true when there was one.</summary>
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
