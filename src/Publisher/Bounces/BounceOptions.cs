using MailKit.Security;
using Microsoft.Extensions.Options;

namespace Publisher.Bounces;

public enum ImapSecurity { None, StartTls, SslOnConnect, Auto }

/// <summary>The <c>Publisher:Bounces</c> section: the mailbox where delivery reports and complaints arrive.</summary>
public sealed class BounceOptions
{
    public const string Section = "Publisher:Bounces";

    public ImapMailboxOptions Imap { get; set; } = new();
    /// <summary>Seconds between passes over the mailbox.</summary>
    public int PollSeconds { get; set; } = 300;

    /// <summary>Without a host nothing is polled.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Imap.Host);
}

public sealed class ImapMailboxOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 993;
    /// <summary>Auto: TLS from the start on port 993, else STARTTLS when the server offers it.</summary>
    public ImapSecurity Security { get; set; } = ImapSecurity.Auto;
    public string? User { get; set; }
    public string? Password { get; set; }
    /// <summary>Where reports arrive.</summary>
    public string Folder { get; set; } = "INBOX";
    /// <summary>Where reports go once they have been acted on; made when missing.</summary>
    public string DoneFolder { get; set; } = "Processed";

    public SecureSocketOptions SocketOptions => Security switch
    {
        ImapSecurity.None => SecureSocketOptions.None,
        ImapSecurity.StartTls => SecureSocketOptions.StartTls,
        ImapSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };

    /// <summary>The mailbox as the log and the admin API show it: no password.</summary>
    public string Describe() => $"imap://{User}@{Host}:{Port}/{Folder}";
}

/// <summary>Checks the section at start, so a bad setting stops the service with its key named.</summary>
public sealed class BounceOptionsValidator : IValidateOptions<BounceOptions>
{
    public ValidateOptionsResult Validate(string? name, BounceOptions o)
    {
        var errors = new List<string>();
        if (o.PollSeconds is < 10 or > 86400) errors.Add($"{BounceOptions.Section}:PollSeconds must be between 10 and 86400.");
        if (!o.Enabled) return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        var imap = o.Imap;
        const string key = BounceOptions.Section + ":Imap:";
        if (imap.Port is < 1 or > 65535) errors.Add($"{key}Port must be between 1 and 65535.");
        if (string.IsNullOrWhiteSpace(imap.User) || string.IsNullOrEmpty(imap.Password))
            errors.Add($"{key}User and {key}Password are required when {key}Host is set.");
        if (string.IsNullOrWhiteSpace(imap.Folder)) errors.Add($"{key}Folder must not be empty.");
        if (string.IsNullOrWhiteSpace(imap.DoneFolder)) errors.Add($"{key}DoneFolder must not be empty.");
        else if (string.Equals(imap.Folder.Trim(), imap.DoneFolder.Trim(), StringComparison.OrdinalIgnoreCase))
            errors.Add($"{key}DoneFolder must differ from {key}Folder, or every report would be read again.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
