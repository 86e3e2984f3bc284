using MailKit;

namespace Publisher.Email;

/// <summary>
/// Tracks whether the whole message went out, which decides between a retry and Unknown, and whether a stop may
/// still abort the send. The two decisions share a lock, so the last bytes are never reported between "not whole
/// yet" and the abort: an aborted send never reaches its final dot.
/// </summary>
internal sealed class BodyProgress : ITransferProgress
{
    private readonly Lock _gate = new();
    private long _sent, _total = -1;

    public bool WholeMessageSent { get { lock (_gate) return Whole; } }
    private bool Whole => _total > 0 && _sent >= _total;

    public void Report(long bytesTransferred, long totalSize) { lock (_gate) { _sent = bytesTransferred; _total = totalSize; } }
    public void Report(long bytesTransferred) { lock (_gate) _sent = bytesTransferred; }

    public void AbortUnlessWhole(CancellationTokenSource abort)
    {
        lock (_gate)
        {
            if (!Whole) abort.Cancel();
        }
    }
}
