using MimeKit;
using Publisher.Templates;

namespace Publisher.Email;

/// <summary>Turns a rendered mail into a MIME message: multipart/alternative, text first, both UTF-8.</summary>
public static class MailComposer
{
    /// <summary>
    /// What every mail of ours says about itself: sent by a program (RFC 3834), to many. Vacation responders and
    /// out-of-office replies leave such mail alone instead of answering the list.
    /// </summary>
    public static readonly (string Field, string Value)[] AutomaticBulk = [("Auto-Submitted", "auto-generated"), ("Precedence", "bulk")];

    public static MimeMessage Compose(string from, MailboxAddress to, RenderedEmail rendered, DateTimeOffset date, string? messageId = null) =>
        Compose(from, to, rendered.Subject, new BodyBuilder { TextBody = rendered.Text, HtmlBody = rendered.Html }.ToMessageBody(), date, messageId);

    /// <summary>A message around a body made elsewhere (<see cref="PartTemplate"/>).</summary>
    public static MimeMessage Compose(string from, MailboxAddress to, string subject, MimeEntity body, DateTimeOffset date, string? messageId = null)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(to);
        message.Subject = HeaderText.ForHeader(subject); // MimeKit encodes it per RFC 2047
        message.Date = date;
        if (messageId is not null) message.MessageId = messageId;
        foreach (var (field, value) in AutomaticBulk) message.Headers.Add(field, value);
        message.Body = body;
        return message;
    }
}
