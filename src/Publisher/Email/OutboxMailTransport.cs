using Microsoft.Extensions.Options;
using MimeKit;

namespace Publisher.Email;

/// <summary>The embedded default: each message becomes a .eml file in &lt;DataPath&gt;/outbox, written whole or not at all.</summary>
public sealed class OutboxMailTransport(IOptions<PublisherOptions> options, MailSigner signer) : IMailTransport
{
    public string Folder { get; } = Path.Combine(options.Value.FullDataPath, "outbox");

    public async Task<string> SendAsync(MimeMessage message, CancellationToken ct = default, Func<Task<bool>>? handingOver = null)
    {
        try { Directory.CreateDirectory(Folder); }
        catch (IOException ex) when (Hosting.StorageFailures.Of(ex) is { } storage)
        {
            throw new MailDeliveryException(MailFailure.Unavailable, $"not sent: the outbox cannot be made: {storage.Title.ToLowerInvariant()}: {ex.Message}", ex);
        }
        signer.Sign(message, EncodingConstraint.EightBit);
        message.Prepare(EncodingConstraint.EightBit); // declare each part's transfer encoding, as an SMTP client would
        if (handingOver is not null && !await handingOver())
            throw new MailDeliveryException(MailFailure.Withdrawn, "not sent: withdrawn by the sender before it was handed over");
        string name = $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'.'fffffff}-{Guid.NewGuid():N}.eml";
        string temp = Path.Combine(Folder, "." + name + ".tmp");
        try
        {
            await using (var stream = File.Create(temp)) await message.WriteToAsync(stream, ct);
            File.Move(temp, Path.Combine(Folder, name));
        }
        catch (Exception ex)
        {
            // A full disk or a stop midway: no half-written file stays behind.
            try { File.Delete(temp); } catch (IOException) { /* the disk refuses even that; the .tmp name keeps it out of the outbox */ }
            // Nothing reached the outbox, for certain: like a mail server that cannot take mail now, the digest waits
            // and is tried again, instead of the message being taken for possibly delivered (Unknown).
            if (Hosting.StorageFailures.Of(ex) is { } storage)
                throw new MailDeliveryException(MailFailure.Unavailable, $"not sent: the outbox cannot be written: {storage.Title.ToLowerInvariant()}: {ex.Message}", ex);
            throw;
        }
        return "250 written to " + name;
    }
}
