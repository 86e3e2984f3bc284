using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Publisher.Email;

/// <summary>
/// SMTP through MailKit with a pool of up to MaxConnections connections. A connection is used by one
/// send at a time and reused for the next; sockets have Nagle's algorithm off (with it on, each message
/// waits ~40 ms for a delayed ACK). Transient failures are retried with doubling delays; 5xx replies are
/// permanent; a failure after the whole message went out is Unknown and never retried here.
/// </summary>
public sealed class SmtpMailTransport : IMailTransport, IAsyncDisposable
{
    private readonly SmtpOptions _smtp;
    private readonly ILogger<SmtpMailTransport> _logger;
    /// <summary>A connection idle longer than this is checked with NOOP before use: servers close idle sessions.</summary>
    public TimeSpan IdleCheckAfter { get; init; } = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan NoopTimeout = TimeSpan.FromSeconds(5);
    private readonly ConcurrentBag<(SmtpClient Client, long Since)> _idle = [];
    private readonly SemaphoreSlim _slots;
    private readonly RateLimiter? _throttle;

    private readonly MailSigner? _signer;

    public SmtpMailTransport(IOptions<PublisherOptions> options, ILogger<SmtpMailTransport> logger, MailSigner? signer = null)
    {
        _signer = signer;
        _smtp = options.Value.Smtp;
        _logger = logger;
        _slots = new SemaphoreSlim(_smtp.MaxConnections, _smtp.MaxConnections);
        if (_smtp.MaxMessagesPerSecond > 0)
        {
            int perSecond = (int)Math.Ceiling(_smtp.MaxMessagesPerSecond);
            _throttle = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, perSecond),
                TokensPerPeriod = Math.Max(1, perSecond),
                ReplenishmentPeriod = TimeSpan.FromSeconds(perSecond / _smtp.MaxMessagesPerSecond),
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }
    }

    public async Task<string> SendAsync(MimeMessage message, CancellationToken ct = default)
    {
        _signer?.Sign(message);
        string lastReply = "";
        for (int attempt = 1; ; attempt++)
        {
            if (_throttle is not null)
            {
                using var lease = await _throttle.AcquireAsync(1, ct);
            }
            await _slots.WaitAsync(ct);
            SmtpClient? client = null;
            var progress = new BodyProgress();
            try
            {
                client = await RentAsync(ct);
                string reply = await client.SendAsync(message, ct, progress);
                _idle.Add((client, Environment.TickCount64));
                client = null;
                return reply;
            }
            catch (SmtpCommandException ex) when ((int)ex.StatusCode >= 500)
            {
                // The connection is still good after a refusal; MailKit has reset the transaction.
                if (client is { IsConnected: true }) { _idle.Add((client, Environment.TickCount64)); client = null; }
                throw new MailDeliveryException(MailFailure.Permanent, $"{(int)ex.StatusCode} {ex.Message}", ex,
                    recipientRefused: ex.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted);
            }
            catch (Exception ex) when (IsTransient(ex, ct))
            {
                lastReply = ex is SmtpCommandException command ? $"{(int)command.StatusCode} {command.Message}" : $"{ex.GetType().Name}: {ex.Message}";
                // A reply (even a 4xx) means the server answered; silence after the whole message means it may have it.
                if (progress.WholeMessageSent && ex is not SmtpCommandException)
                    throw new MailDeliveryException(MailFailure.Unknown, "no reply after the message was sent: " + lastReply, ex);
                _logger.LogInformation("Transient SMTP failure (attempt {Attempt} of {Max}): {Reply}", attempt, _smtp.MaxAttempts, lastReply);
                if (attempt >= _smtp.MaxAttempts) throw new MailDeliveryException(MailFailure.Transient, lastReply, ex);
            }
            finally
            {
                if (client is not null) await DiscardAsync(client);
                _slots.Release();
            }
            await Task.Delay(TimeSpan.FromMilliseconds(_smtp.RetryDelayMilliseconds * Math.Pow(2, attempt - 1)), ct);
        }
    }

    private static bool IsTransient(Exception ex, CancellationToken ct) => ex switch
    {
        SmtpCommandException => true, // 4xx (5xx was handled before)
        SmtpProtocolException or ServiceNotConnectedException or IOException or SocketException or TimeoutException => true,
        AuthenticationException or SslHandshakeException => true, // a configuration or server problem, not the recipient's
        OperationCanceledException => !ct.IsCancellationRequested, // MailKit's own timeout
        _ => false,
    };

    private async Task<SmtpClient> RentAsync(CancellationToken ct)
    {
        while (_idle.TryTake(out var pooled))
        {
            bool good;
            try
            {
                good = pooled.Client.IsConnected && await StillGoodAsync(pooled.Client, pooled.Since, ct);
            }
            catch
            {
                await DiscardAsync(pooled.Client); // cancelled while checking: the connection is not handed back half-used
                throw;
            }
            if (good) return pooled.Client;
            await DiscardAsync(pooled.Client);
        }
        var client = new SmtpClient { Timeout = _smtp.TimeoutSeconds * 1000 };
        try
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(_smtp.Host!, _smtp.Port, ct);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            await client.ConnectAsync(socket, _smtp.Host!, _smtp.Port, ToMailKit(_smtp.Security), ct);
            if (!string.IsNullOrEmpty(_smtp.User)) await client.AuthenticateAsync(_smtp.User, _smtp.Password ?? "", ct);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>A connection used a moment ago is taken as it is; one idle for a while must answer NOOP first.</summary>
    private async Task<bool> StillGoodAsync(SmtpClient client, long since, CancellationToken ct)
    {
        if (Environment.TickCount64 - since < IdleCheckAfter.TotalMilliseconds) return true;
        // A connection a NAT dropped without a word would otherwise hang for the whole command timeout.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(NoopTimeout);
        try
        {
            await client.NoOpAsync(limit.Token);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _logger.LogInformation("An idle SMTP connection did not answer NOOP ({Error}); opening a new one", ex.Message);
            return false;
        }
    }

    private static SecureSocketOptions ToMailKit(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };

    private static async Task DiscardAsync(SmtpClient client)
    {
        try
        {
            if (client.IsConnected) await client.DisconnectAsync(true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception) { /* the connection is being thrown away anyway */ }
        client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var pooled)) await DiscardAsync(pooled.Client);
        _throttle?.Dispose();
    }

    /// <summary>Tracks whether the whole message went out, which decides between Transient and Unknown.</summary>
    private sealed class BodyProgress : ITransferProgress
    {
        private long _sent, _total = -1;
        public bool WholeMessageSent => _total > 0 && _sent >= _total;
        public void Report(long bytesTransferred, long totalSize) { _sent = bytesTransferred; _total = totalSize; }
        public void Report(long bytesTransferred) => _sent = bytesTransferred;
    }
}
