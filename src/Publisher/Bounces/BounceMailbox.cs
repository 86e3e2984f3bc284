using System.Net.Sockets;
using System.Security.Cryptography;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Publisher.Bounces;

/// <summary>What one pass over the mailbox did.</summary>
/// <param name="Recorded">Reports read and recorded for the first time, by what they turned out to be.</param>
/// <param name="Moved">Reports moved to the done folder (including ones an earlier pass recorded but could not move).</param>
/// <param name="Left">Unmatched and malformed reports left in the folder for a person.</param>
/// <param name="More">The pass stopped at its limit with reports still to read.</param>
/// <param name="Error">Why the pass failed (the mailbox could not be reached, refused the login…); null when it did not.</param>
public sealed record PassResult(Dictionary<string, int> Recorded, int Moved, int Left, bool More, string? Error);

/// <summary>How the mailbox passes of this process went (since it started).</summary>
public sealed record MailboxState(int Passes, int FailedPasses, DateTime? LastPassAt, DateTime? LastSuccessAt, string? LastError, DateTime? LastErrorAt);

/// <summary>
/// One pass over the bounce mailbox with MailKit's <see cref="ImapClient"/>: reads each report in the folder, records it
/// (<see cref="BounceRecorder"/>), and moves those acted on to the done folder, made when missing. Unmatched and
/// malformed reports stay where they are, for a person, and are not counted again. Passes never overlap (the poller and
/// the admin API share one). A mailbox that cannot be reached or refuses the login fails the pass: logged, counted, and
/// tried again by the next pass.
/// </summary>
public sealed class BounceMailbox(IOptions<BounceOptions> options, IServiceScopeFactory scopes, TimeProvider clock, ILogger<BounceMailbox> logger)
{
    /// <summary>Larger messages are not downloaded: no mail system writes a report that size.</summary>
    public const long MaxReportBytes = 10 * 1024 * 1024;
    /// <summary>Reports downloaded per pass; the poller comes back at once for the rest.</summary>
    public const int MaxReportsPerPass = 200;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly Lock _stateLock = new();
    private MailboxState _state = new(0, 0, null, null, null, null);

    public bool Enabled => options.Value.Enabled;
    public string? Describe() => Enabled ? options.Value.Imap.Describe() : null;

    public MailboxState State
    {
        get { lock (_stateLock) return _state; }
    }

    public async Task<PassResult> RunPassAsync(CancellationToken ct = default)
    {
        if (!Enabled) throw new InvalidOperationException($"No bounce mailbox: {BounceOptions.Section}:Imap:Host is not set.");
        await _one.WaitAsync(ct);
        try
        {
            var imap = options.Value.Imap;
            var pass = new Pass();
            try
            {
                await PassAsync(imap, pass, ct);
                var now = clock.GetUtcNow().UtcDateTime;
                lock (_stateLock) _state = _state with { Passes = _state.Passes + 1, LastPassAt = now, LastSuccessAt = now };
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                pass.Error = Explain(ex, imap);
                if (IsMailboxTrouble(ex)) logger.LogWarning("Bounce mailbox {Mailbox}: {Error}; the next pass tries again", imap.Describe(), pass.Error);
                else logger.LogError(ex, "Bounce mailbox {Mailbox}: the pass failed: {Error}; the next pass tries again", imap.Describe(), pass.Error);
                var now = clock.GetUtcNow().UtcDateTime;
                lock (_stateLock)
                    _state = _state with { Passes = _state.Passes + 1, FailedPasses = _state.FailedPasses + 1, LastPassAt = now, LastError = pass.Error, LastErrorAt = now };
            }
            return new PassResult(pass.Recorded, pass.Moved, pass.Left, pass.More, pass.Error);
        }
        finally
        {
            _one.Release();
        }
    }

    private sealed class Pass
    {
        public Dictionary<string, int> Recorded { get; } = [];
        public int Moved, Left, Downloaded;
        public bool More;
        public string? Error;
    }

    private async Task PassAsync(ImapMailboxOptions imap, Pass pass, CancellationToken ct)
    {
        using var client = new ImapClient { Timeout = (int)Timeout.TotalMilliseconds };
        // Host, User and Password are there: BounceOptionsValidator requires them of an enabled mailbox.
        await client.ConnectAsync(imap.Host!, imap.Port, imap.SocketOptions, ct);
        await client.AuthenticateAsync(imap.User!, imap.Password!, ct);
        var folder = string.Equals(imap.Folder, "INBOX", StringComparison.OrdinalIgnoreCase) ? client.Inbox : await client.GetFolderAsync(imap.Folder, ct);
        await folder.OpenAsync(FolderAccess.ReadWrite, ct);
        var done = await DoneFolderAsync(client, imap.DoneFolder, ct);
        if (folder.Count > 0)
        {
            var messages = await folder.FetchAsync(0, -1,
                MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.Size | MessageSummaryItems.Flags, ct);
            await using var scope = scopes.CreateAsyncScope();
            var recorder = scope.ServiceProvider.GetRequiredService<BounceRecorder>();
            foreach (var summary in messages)
            {
                if (summary.Flags is { } flags && flags.HasFlag(MessageFlags.Deleted)) continue;
                if (pass.Downloaded >= MaxReportsPerPass)
                {
                    pass.More = true;
                    break;
                }
                await HandleAsync(folder, done, summary, recorder, pass, ct);
            }
        }
        await client.DisconnectAsync(true, ct);
    }

    private async Task HandleAsync(IMailFolder folder, IMailFolder done, IMessageSummary summary, BounceRecorder recorder, Pass pass, CancellationToken ct)
    {
        string? key = KeyOf(summary.Envelope?.MessageId);
        RecordedReport? recorded = key is null ? null : await recorder.FindAsync(key, ct);
        if (recorded is null && summary.Size > MaxReportBytes)
        {
            key ??= $"imap:{folder.UidValidity}:{summary.UniqueId.Id}";
            recorded = await recorder.RecordAsync(key, Unreadable($"{summary.Size:N0} bytes, larger than any report ({MaxReportBytes:N0}); not read"), ct);
            Count(pass, recorded, key);
        }
        if (recorded is null)
        {
            byte[] bytes;
            try
            {
                using var stream = await folder.GetStreamAsync(summary.UniqueId, ct);
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, ct);
                bytes = buffer.ToArray();
            }
            catch (MessageNotFoundException)
            {
                return; // taken meanwhile by another process polling the same mailbox
            }
            pass.Downloaded++;
            key ??= "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
            ReadReport report;
            try
            {
                report = ReportReader.Read(await MimeMessage.LoadAsync(new MemoryStream(bytes), ct));
            }
            catch (FormatException ex)
            {
                report = Unreadable($"not a mail message: {ex.Message}");
            }
            recorded = await recorder.RecordAsync(key, report, ct);
            Count(pass, recorded, key);
        }
        if (recorded.Kind is ReportKind.Unmatched or ReportKind.Malformed)
        {
            pass.Left++;
            return;
        }
        await folder.MoveToAsync(summary.UniqueId, done, ct);
        pass.Moved++;
    }

    private void Count(Pass pass, RecordedReport recorded, string key)
    {
        if (!recorded.New) return;
        string kind = recorded.Kind.ToString().ToLowerInvariant();
        pass.Recorded[kind] = pass.Recorded.GetValueOrDefault(kind) + 1;
        if (recorded.Kind is ReportKind.Unmatched or ReportKind.Malformed)
            logger.LogWarning("Bounce report {Key} is {Kind}, left in the mailbox: {Detail}", key, kind, recorded.Detail);
        else
            logger.LogInformation("Bounce report {Key} is {Kind}: {Detail}", key, kind, recorded.Detail);
    }

    private static ReadReport Unreadable(string why) => new(ReportKind.Malformed, null, null, null, why);

    /// <summary>The report's own Message-ID names it; one too long for the column is named by its hash.</summary>
    private static string? KeyOf(string? messageId) =>
        string.IsNullOrWhiteSpace(messageId) ? null
        : messageId.Length + 2 <= BounceReport.MaxKeyLength ? $"<{messageId}>"
        : "sha256-id:" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(messageId)));

    /// <summary>The done folder, made (and subscribed, so mail clients show it) level by level when missing.</summary>
    private static async Task<IMailFolder> DoneFolderAsync(ImapClient client, string path, CancellationToken ct)
    {
        try
        {
            return await client.GetFolderAsync(path, ct);
        }
        catch (FolderNotFoundException)
        {
        }
        var folder = client.GetFolder(client.PersonalNamespaces[0]);
        foreach (string name in path.Split(folder.DirectorySeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            IMailFolder next;
            try
            {
                next = await folder.GetSubfolderAsync(name, ct);
            }
            catch (FolderNotFoundException)
            {
                next = await folder.CreateAsync(name, isMessageFolder: true, ct)
                    ?? throw new ImapCommandException(ImapCommandResponse.No, $"CREATE {name}: the server made no folder");
                await next.SubscribeAsync(ct);
            }
            folder = next;
        }
        return folder;
    }

    private static bool IsMailboxTrouble(Exception ex) =>
        ex is AuthenticationException or SocketException or IOException or TimeoutException or SslHandshakeException or ImapProtocolException
            or ImapCommandException or FolderNotFoundException or ServiceNotConnectedException or ServiceNotAuthenticatedException
        || ex.InnerException is SocketException;

    private static string Explain(Exception ex, ImapMailboxOptions imap) => ex switch
    {
        AuthenticationException => $"the server refused the login of '{imap.User}': {ex.Message}",
        FolderNotFoundException missing => $"the mailbox has no folder '{missing.FolderName}'",
        ImapCommandException => $"the server refused a command: {ex.Message}",
        _ when IsMailboxTrouble(ex) => $"cannot reach {imap.Host}:{imap.Port}: {ex.Message}",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };
}
