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
/// waits ~40 ms for a delayed ACK). Connection problems are tried again at once a few times with doubling
/// delays, then reported as <see cref="MailFailure.Unavailable"/>; a 4xx reply to the message is
/// <see cref="MailFailure.Deferred"/> (the ledger retries it later), a 5xx <see cref="MailFailure.Permanent"/>;
/// a failure after the whole message went out is <see cref="MailFailure.Unknown"/> and never retried here.
/// </summary>
public sealed class SmtpMailTransport : IMailTransport, IAsyncDisposable
{
    private readonly SmtpOptions _smtp;
    private readonly string _heloName;
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
        _heloName = MailDomain.HeloName(options.Value);
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

    public async Task<string> SendAsync(MimeMessage message, CancellationToken ct = default, Func<Task<bool>>? handingOver = null)
    {
        bool handedOver = false, callingBack = false;
        EncodingConstraint? signedFor = null;
        for (int attempt = 1; ; attempt++)
        {
            if (_throttle is not null)
            {
                using var lease = await _throttle.AcquireAsync(1, ct);
            }
            await _slots.WaitAsync(ct);
            SmtpClient? client = null;
            var progress = new BodyProgress();
            string problem;
            Exception failure;
            try
            {
                client = await RentAsync(ct);
                if (!client.Capabilities.HasFlag(SmtpCapabilities.UTF8) && NeedsUtf8(message))
                {
                    // Without SMTPUTF8, MailKit would send the local part punycoded: another mailbox than the one asked for.
                    _idle.Add((client, Environment.TickCount64));
                    client = null;
                    throw new MailDeliveryException(MailFailure.Permanent,
                        "not sent: the address has a non-ASCII part before @, which needs SMTPUTF8, and the server does not offer it");
                }
                // Signed once the connection says what the server takes: 8bit parts stay 8bit where 8BITMIME is offered
                // (signing for 7 bits first made every digest about 40% larger in base64).
                var constraint = client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime) ? EncodingConstraint.EightBit : EncodingConstraint.SevenBit;
                if (_signer is { Enabled: true } && signedFor != constraint)
                {
                    try
                    {
                        _signer.Sign(message, constraint);
                        signedFor = constraint;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        _idle.Add((client, Environment.TickCount64));
                        client = null;
                        throw new MailDeliveryException(MailFailure.Permanent, $"not sent: signing failed: {ex.GetType().Name}: {ex.Message}", ex);
                    }
                }
                if (!handedOver && handingOver is not null)
                {
                    callingBack = true; // what the caller's check throws is the caller's, not the server's: it passes through
                    bool go = await handingOver();
                    callingBack = false;
                    if (!go)
                    {
                        _idle.Add((client, Environment.TickCount64));
                        client = null;
                        throw new MailDeliveryException(MailFailure.Withdrawn, "not sent: withdrawn by the sender before it was handed over");
                    }
                }
                handedOver = true;
                string reply = await SendOnAsync(client, message, progress, ct);
                _idle.Add((client, Environment.TickCount64));
                client = null;
                return reply;
            }
            catch (MailDeliveryException)
            {
                throw;
            }
            catch (SmtpCommandException ex) when (ex.StatusCode != SmtpStatusCode.ServiceNotAvailable && handedOver
                && ex.ErrorCode == SmtpErrorCode.SenderNotAccepted && (int)ex.StatusCode >= 500)
            {
                // The sender refused for good (530 authentication required, 550 not allowed to send as From): no message of
                // ours will go until that is fixed, so it counts as the server being unavailable, not as this message's fault.
                if (client is { IsConnected: true }) { _idle.Add((client, Environment.TickCount64)); client = null; }
                throw new MailDeliveryException(MailFailure.Unavailable, $"the server refuses the sender: {(int)ex.StatusCode} {ex.Message}", ex);
            }
            catch (SmtpCommandException ex) when (ex.StatusCode != SmtpStatusCode.ServiceNotAvailable && handedOver)
            {
                // A reply to this message's own transaction: the connection is fine (MailKit has reset the transaction).
                if (client is { IsConnected: true }) { _idle.Add((client, Environment.TickCount64)); client = null; }
                string reply = $"{(int)ex.StatusCode} {ex.Message}";
                if ((int)ex.StatusCode >= 500)
                    throw new MailDeliveryException(MailFailure.Permanent, reply, ex,
                        recipientRefused: ex.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted);
                throw new MailDeliveryException(MailFailure.Deferred, reply, ex);
            }
            catch (OperationCanceledException) when (!callingBack && ct.IsCancellationRequested && !progress.WholeMessageSent)
            {
                throw; // stopped before the message had wholly gone out: the server does not have it
            }
            catch (Exception ex) when (progress.WholeMessageSent && ex is not SmtpCommandException)
            {
                // Silence (a timeout, a dropped connection, a stop during the wait) after the whole message: the server may have it.
                throw new MailDeliveryException(MailFailure.Unknown, $"no reply after the message was sent: {Describe(ex)}", ex);
            }
            catch (ServiceNotAuthenticatedException ex) when (!callingBack && handedOver)
            {
                // 530 to MAIL FROM: the server wants a login we do not have or did not give. Nothing of ours goes until
                // that is fixed: the server is unavailable to us, not this message's fault.
                throw new MailDeliveryException(MailFailure.Unavailable, $"the server refuses the sender: {Describe(ex)}", ex);
            }
            catch (Exception ex) when (!callingBack && handedOver && handingOver is not null && IsConnectionProblem(ex))
            {
                // The caller keeps a record that says this message is being handed over: say at once that it was not, rather
                // than hold it in that state through reconnects (a crash meanwhile would leave it "maybe sent").
                if (client is not null) { await DiscardAsync(client); client = null; }
                throw new MailDeliveryException(MailFailure.Interrupted, $"not sent: the connection broke before the message was whole: {Describe(ex)}", ex);
            }
            catch (Exception ex) when (!callingBack && (IsConnectionProblem(ex) || !handedOver))
            {
                // The connection, the greeting, STARTTLS or the login failed, or the connection broke before the message was
                // whole: not this message's doing (a 421 reply means the server answered and is closing).
                problem = Describe(ex);
                failure = ex;
            }
            catch (Exception ex) when (!callingBack && ex is not OperationCanceledException)
            {
                // Something MailKit refused to do with this message before it went out (an address the server cannot take, say).
                throw new MailDeliveryException(MailFailure.Permanent, $"not sent: {Describe(ex)}", ex);
            }
            finally
            {
                if (client is not null) await DiscardAsync(client);
                _slots.Release();
            }
            // A server restarting or a dropped connection is over in a moment, so try again a few times right away; after
            // that the server counts as unavailable for now.
            _logger.LogInformation("SMTP connection problem (attempt {Attempt} of {Max}): {Problem}", attempt, _smtp.MaxAttempts, problem);
            if (attempt >= _smtp.MaxAttempts) throw new MailDeliveryException(MailFailure.Unavailable, problem, failure);
            await Task.Delay(TimeSpan.FromMilliseconds(_smtp.RetryDelayMilliseconds * Math.Pow(2, attempt - 1)), ct);
        }
    }

    private static bool NeedsUtf8(MimeMessage message) =>
        message.From.Mailboxes.Concat(message.To.Mailboxes).Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes)
            .Any(m => !System.Text.Ascii.IsValid(m.LocalPart));

    private static string Describe(Exception ex) =>
        ex is SmtpCommandException command ? $"{(int)command.StatusCode} {command.Message}" : $"{ex.GetType().Name}: {ex.Message}";

    /// <summary>
    /// Sends on a connection. <paramref name="ct"/> stops the send only while the message has not wholly gone out: once
    /// it has, the server's reply is what tells whether the server took it, so the reply is waited for (within the
    /// client's timeout) rather than abandoned, which would leave a message the server may have marked as not sent.
    /// </summary>
    private static async Task<string> SendOnAsync(SmtpClient client, MimeMessage message, BodyProgress progress, CancellationToken ct)
    {
        using var abort = new CancellationTokenSource();
        await using var stop = ct.Register(() => progress.AbortUnlessWhole(abort));
        try
        {
            return await client.SendAsync(message, abort.Token, progress);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            throw new OperationCanceledException("stopped before the message had wholly gone out", null, ct);
        }
    }

    /// <summary>Failures of the connection, the greeting or the login, rather than replies to this message.</summary>
    private static bool IsConnectionProblem(Exception ex) => ex switch
    {
        SmtpCommandException => true, // a 421 (closing), or a refusal before any message was sent (the greeting)
        SmtpProtocolException or ServiceNotConnectedException or IOException or SocketException or TimeoutException => true,
        AuthenticationException or SslHandshakeException or ServiceNotAuthenticatedException => true, // the login: not the recipient's
        OperationCanceledException => true, // MailKit's own timeout (a stop was handled before)
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
        // EHLO with the site's fully qualified name: MailKit would give the machine's own name or an address literal.
        var client = new SmtpClient { Timeout = _smtp.TimeoutSeconds * 1000, LocalDomain = _heloName };
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
}
