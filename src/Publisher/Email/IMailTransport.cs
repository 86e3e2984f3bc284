using MimeKit;

namespace Publisher.Email;

/// <summary>
/// Where mail goes: an SMTP server (<see cref="SmtpMailTransport"/>) or, without one, an outbox folder of
/// .eml files (<see cref="OutboxMailTransport"/>). Safe to call from many threads at once.
/// </summary>
public interface IMailTransport
{
    /// <summary>
    /// Sends one message; returns the server's reply, or throws <see cref="MailDeliveryException"/>. Cancelling
    /// <paramref name="ct"/> stops the send only while the message has not wholly gone out (an
    /// <see cref="OperationCanceledException"/>: the server does not have it); once it has, the server's reply is
    /// waited for, so that what happened is known.
    /// </summary>
    /// <param name="handingOver">Called once, when the server is ready for this message and just before it is written
    /// (after any wait for a connection or the rate limit); the caller records there that the message is about to go
    /// out. If it returns false, nothing is sent and <see cref="MailFailure.Withdrawn"/> is thrown.</param>
    Task<string> SendAsync(MimeMessage message, CancellationToken ct = default, Func<Task<bool>>? handingOver = null);
}

/// <summary>How a send failed, which decides what may happen next.</summary>
public enum MailFailure
{
    /// <summary>The server refused this message for now (a 4xx reply to it): try this message again later.</summary>
    Deferred,
    /// <summary>The server could not be reached, would not greet or refused the login, after the quick tries: try
    /// everything again later, when it answers.</summary>
    Unavailable,
    /// <summary>Refused for good (5xx): do not try again.</summary>
    Permanent,
    /// <summary>The whole message went out but no reply came: the server may have it. Never resent automatically.</summary>
    Unknown,
    /// <summary>The caller's hand-over check said no (the message is no longer its to send): nothing was sent.</summary>
    Withdrawn,
    /// <summary>
    /// After the hand-over, the connection broke before the message was whole (or the server closed it with 421): the
    /// server does not have it. Reported at once, not tried again here, so the caller's record says "not sent" while it
    /// waits; the caller sends it again soon. Only with a hand-over callback; without one the transport retries itself.
    /// </summary>
    Interrupted,
}

public sealed class MailDeliveryException(MailFailure failure, string reply, Exception? inner = null, bool recipientRefused = false)
    : Exception($"{failure} delivery failure: {reply}", inner)
{
    /// <summary>The server refused this recipient or this message (a bounce), not the sender, the login or the connection.</summary>
    public bool RecipientRefused { get; } = recipientRefused;
    public MailFailure Failure { get; } = failure;
    /// <summary>The server's reply (code and text), or what went wrong on the connection.</summary>
    public string Reply { get; } = reply;
}
