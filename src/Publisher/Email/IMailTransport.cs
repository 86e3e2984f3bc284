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
    Task<string> SendAsync(MimeMessage message, CancellationToken ct = default);
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
