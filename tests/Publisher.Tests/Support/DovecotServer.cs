using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace Publisher.Tests.Support;

/// <summary>
/// Debian's dovecot-imapd as a throwaway IMAP server: its own configuration, passwd-file user and maildir in a temp
/// folder, listening on a free loopback port, run in the foreground (<c>dovecot -F -c conf</c>) and stopped with SIGTERM.
/// Started as root, its login and internal processes run as Debian's own <c>dovenull</c> and <c>dovecot</c> users (dovecot
/// refuses root for them) and the mail as <c>dovecot</c>; started as anyone else, all of it runs as that user.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/dovecot";
    public const string User = "bounces";
    public const string Password = "bounce-mailbox-secret";

    private readonly StringBuilder _log = new();
    private Process? _process;

    public string Root { get; }
    public int Port { get; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    private DovecotServer(string root, int port)
    {
        Root = root;
        Port = port;
    }

    /// <summary>Writes the configuration on a free port without starting the server: until <see cref="StartAsync"/>, nothing listens there.</summary>
    public static async Task<DovecotServer> CreateAsync()
    {
        if (!File.Exists(Binary)) throw new FileNotFoundException($"{Binary} is not installed (Debian package dovecot-imapd); run ./test.sh or .ci/run", Binary);
        string root = Path.Combine(Path.GetTempPath(), "publisher-dovecot-" + Guid.NewGuid().ToString("N")[..12]);
        var server = new DovecotServer(root, Loopback.FreePort());
        Directory.CreateDirectory(Path.Combine(root, "run"));
        Directory.CreateDirectory(Path.Combine(root, "state"));
        Directory.CreateDirectory(Path.Combine(root, "home"));
        // The service under test sets umask 077 in this process; dovecot's own users must still reach the mail folders.
        Chmod(root, 0b111_101_101);
        Chmod(Path.Combine(root, "home"), 0b111_111_111);
        server.SetPassword(Password);
        File.WriteAllText(Path.Combine(root, "dovecot.conf"), await server.ConfigurationAsync());
        return server;
    }

    public static async Task<DovecotServer> StartNewAsync()
    {
        var server = await CreateAsync();
        await server.StartAsync();
        return server;
    }

    /// <summary>
    /// Changes the password of <see cref="User"/> and returns once the server takes it: dovecot looks at the passwd-file
    /// again when it changes, at most once a second.
    /// </summary>
    public async Task SetPasswordAsync(string password)
    {
        SetPassword(password);
        await Eventually.HoldsAsync(async () =>
        {
            using var client = new ImapClient { Timeout = 10_000 };
            await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
            try
            {
                await client.AuthenticateAsync(User, password);
                return true;
            }
            catch (AuthenticationException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), $"dovecot takes the new password of {User}");
    }

    private void SetPassword(string password)
    {
        string path = Path.Combine(Root, "passwd");
        File.WriteAllText(path, $"{User}:{{PLAIN}}{password}\n");
        Chmod(path, 0b110_100_100);
        // A later mtime each time, even within one second, so that dovecot sees the change.
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(++_passwords));
    }

    private int _passwords;

    private static void Chmod(string path, int mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)mode);
    }

    private async Task<string> ConfigurationAsync()
    {
        bool root = Environment.IsPrivilegedProcess;
        string internalUser = root ? "dovecot" : Environment.UserName;
        string internalGroup = root ? "dovecot" : (await ExternalTool.RunAsync("/usr/bin/id", "-gn")).Stdout.Trim();
        string loginUser = root ? "dovenull" : internalUser;
        string mailUser = root ? "uid=dovecot gid=dovecot" : $"uid={Environment.UserName} gid={internalGroup}";
        return $$"""
            base_dir = {{Root}}/run
            state_dir = {{Root}}/state
            instance_name = publisher-test-{{Port}}
            log_path = /dev/stderr
            protocols = imap
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            auth_failure_delay = 0
            default_internal_user = {{internalUser}}
            default_internal_group = {{internalGroup}}
            default_login_user = {{loginUser}}
            first_valid_uid = 1
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{Root}}/passwd
            }
            userdb {
              driver = static
              args = {{mailUser}} home={{Root}}/home/%u
            }
            mail_location = maildir:~/Maildir
            service imap-login {
              chroot =
              inet_listener imap {
                address = 127.0.0.1
                port = {{Port}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            service anvil {
              chroot =
              # No growing delay after failed logins: the tests refuse a login on purpose, then log in.
              unix_listener anvil-auth-penalty {
                mode = 0
              }
            }
            """;
    }

    /// <summary>Starts dovecot and returns once it listens (it logs "starting up" after binding its listeners).</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-F", "-c", Path.Combine(Root, "dovecot.conf") }) start.ArgumentList.Add(a);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_log) _log.AppendLine(e.Data);
            if (e.Data.Contains("starting up")) ready.TrySetResult();
        };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("dovecot exited at start:\n" + Log));
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGTERM, and waits for dovecot (which stops its own children) to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process) return;
        kill(process.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>Settings that point the service at this mailbox.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Publisher:Bounces:Imap:Host"] = "127.0.0.1",
        ["Publisher:Bounces:Imap:Port"] = Port.ToString(),
        ["Publisher:Bounces:Imap:Security"] = "None",
        ["Publisher:Bounces:Imap:User"] = User,
        ["Publisher:Bounces:Imap:Password"] = Password,
    };

    public async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient { Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(User, Password);
        return client;
    }

    /// <summary>Delivers messages into a folder by IMAP APPEND, as a mail server's local delivery would.</summary>
    public async Task AppendAsync(string folder, params byte[][] messages)
    {
        using var client = await ConnectAsync();
        var target = folder == "INBOX" ? client.Inbox : await client.GetFolderAsync(folder);
        foreach (var bytes in messages) await target.AppendAsync(MimeMessage.Load(new MemoryStream(bytes)));
        await client.DisconnectAsync(true);
    }

    /// <summary>The Message-IDs in a folder, or null when there is no such folder.</summary>
    public async Task<List<string>?> MessageIdsAsync(string folder)
    {
        using var client = await ConnectAsync();
        IMailFolder target;
        try
        {
            target = folder == "INBOX" ? client.Inbox : await client.GetFolderAsync(folder);
        }
        catch (FolderNotFoundException)
        {
            return null;
        }
        await target.OpenAsync(FolderAccess.ReadOnly);
        var uids = await target.SearchAsync(SearchQuery.NotDeleted);
        var ids = uids.Count == 0 ? [] : (await target.FetchAsync(uids, MessageSummaryItems.Envelope)).Select(m => m.Envelope?.MessageId ?? "").ToList();
        await client.DisconnectAsync(true);
        return ids;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
