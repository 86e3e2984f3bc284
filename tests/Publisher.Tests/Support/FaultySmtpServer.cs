using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Publisher.Tests.Support;

/// <summary>
/// A real SMTP server on loopback (EHLO, PIPELINING, 8BITMIME, SMTPUTF8, MAIL, RCPT, DATA, RSET, NOOP, QUIT) that
/// misbehaves on purpose, the way real servers and networks do: temporary refusals, connections reset in the
/// middle of DATA, permanent refusals of some addresses, stalls past the client's timeout, greylisting, outages,
/// and a wait before the final reply. It counts what it really accepted, by recipient and by Message-ID, so a test
/// can tell a lost message from a doubled one. Faults are drawn from a seeded random source: a failing run repeats.
/// </summary>
public sealed partial class FaultySmtpServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly Random _random;
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private readonly ConcurrentDictionary<string, DateTime> _firstTry = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<int, TcpClient> _open = new();
    private int _connections;

    public int Port { get; }

    // What it does wrong. All may be changed while it runs.
    /// <summary>Share of transactions answered 451 (at the end of DATA) or 421 (then the connection is closed).</summary>
    public double TransientRate { get; set; }
    /// <summary>Share of transactions whose connection is reset in the middle of DATA: the message is not kept.</summary>
    public double DropMidDataRate { get; set; }
    /// <summary>Share of transactions where the server goes silent (before the body) for <see cref="StallFor"/>.</summary>
    public double StallRate { get; set; }
    public TimeSpan StallFor { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Addresses refused for good (550 at RCPT), whenever they come.</summary>
    public ConcurrentDictionary<string, bool> Refused { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Greylisting: every try of an address is refused with 451 until this long after its first try.</summary>
    public TimeSpan? Greylist { get; set; }
    /// <summary>Which addresses greylisting applies to (all, unless told).</summary>
    public Func<string, bool> GreylistWhere { get; set; } = _ => true;
    /// <summary>How the server answers while <see cref="Outage"/> is on.</summary>
    public SmtpOutage OutageKind { get; set; } = SmtpOutage.Refuse;
    /// <summary>How long the server waits before its reply to the end of DATA (a slow queue, a content filter).</summary>
    public TimeSpan ReplyDelay { get; set; }
    /// <summary>When set, the reply to every MAIL FROM (a refusal of the sender, such as "530 5.7.0 Authentication required").</summary>
    public string? SenderRefusal { get; set; }
    /// <summary>
    /// Asked, with the client's EHLO name, once a message's body is in and before the reply: null accepts it, a reply
    /// line refuses it (the message is not kept). May take its time (a test holds a host's messages while it kills it).
    /// </summary>
    public Func<string, Task<string?>>? BeforeReply { get; set; }
    /// <summary>The clock greylisting reads; a test with a fake clock passes its own.</summary>
    public Func<DateTime> Clock { get; set; } = () => DateTime.UtcNow;

    // What it saw.
    /// <param name="Helo">The name the client gave in EHLO or HELO on that connection (tells the sending hosts apart).</param>
    public sealed record Delivery(string Recipient, string MessageId, string MailFrom, byte[] Data, DateTime AtUtc, string Helo = "");
    /// <summary>Every message the server accepted (replied 250 to), one entry per recipient.</summary>
    public ConcurrentQueue<Delivery> Delivered { get; } = new();
    public int Connections => Volatile.Read(ref _connections);
    public int Quits;
    public int BodiesReceived, OutageResets, TransientsInjected, DropsInjected, StallsInjected, GreylistRefusals, PermanentRefusals, OutageRefusals;
    public string? LastHelo { get; private set; }
    public bool Offers8BitMime { get; set; } = true;

    public FaultySmtpServer(int seed = 1)
    {
        _random = new Random(seed);
        Port = Loopback.FreePort();
        Listen();
    }

    /// <summary>Settings that point the service at this server, with the short timeouts tests want.</summary>
    public Dictionary<string, string?> Settings(int maxConnections = 4, int timeoutSeconds = 5) => Loopback.SmtpSettings(Port, maxConnections, timeoutSeconds);

    public string[] Arguments(int maxConnections = 4, int timeoutSeconds = 5) =>
        [.. Settings(maxConnections, timeoutSeconds).Select(kv => $"--{kv.Key}={kv.Value}")];

    private bool _outage;

    /// <summary>While on, the server is down in the way <see cref="OutageKind"/> says; open connections are cut.</summary>
    public bool Outage
    {
        get { lock (_gate) return _outage; }
        set
        {
            lock (_gate)
            {
                if (_outage == value) return;
                _outage = value;
                if (value)
                {
                    foreach (var client in _open.Values)
                    {
                        Reset(client);
                        Interlocked.Increment(ref OutageResets);
                    }
                    if (OutageKind == SmtpOutage.Refuse) { _listener?.Stop(); _listener = null; }
                }
                else if (_listener is null) Listen();
            }
        }
    }

    private void Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start(512);
        _listener = listener;
        _accepting = AcceptAsync(listener);
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; } // stopped (an outage, or the end)
            client.NoDelay = true;
            int n = Interlocked.Increment(ref _connections);
            _open[n] = client;
            _ = Task.Run(async () =>
            {
                try { await ServeAsync(client); }
                catch (Exception) { /* the client went away, or a fault cut the connection */ }
                finally
                {
                    _open.TryRemove(n, out _);
                    client.Dispose();
                }
            });
        }
    }

    private double Roll() { lock (_random) return _random.NextDouble(); }

    private static void Reset(TcpClient client)
    {
        try
        {
            client.Client.LingerState = new LingerOption(true, 0); // RST, not a polite close
            client.Client.Close();
        }
        catch (Exception) { /* already gone */ }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        lock (_gate) { _listener?.Stop(); _listener = null; }
        foreach (var client in _open.Values) Reset(client);
        try { await _accepting.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { /* stopping */ }
    }

    /// <summary>Recipients that got more than one copy, with their counts.</summary>
    public Dictionary<string, int> Doubled() =>
        Delivered.GroupBy(d => d.Recipient, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Message-IDs accepted more than once.</summary>
    public int DoubledMessageIds() => Delivered.GroupBy(d => d.MessageId).Count(g => g.Count() > 1);

    private static string MessageIdOf(byte[] data)
    {
        // Headers end at the first empty line; Message-ID is one line in what we send.
        string head = Encoding.Latin1.GetString(data, 0, Math.Min(data.Length, 16 * 1024));
        int end = head.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end >= 0) head = head[..end];
        foreach (var line in head.Split("\r\n"))
            if (line.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase)) return line["Message-ID:".Length..].Trim().Trim('<', '>');
        return "";
    }

    private static string Address(string line)
    {
        int open = line.IndexOf('<'), close = line.IndexOf('>');
        return open >= 0 && close > open ? line[(open + 1)..close] : line[(line.IndexOf(':') + 1)..].Trim();
    }
}

/// <summary>How a <see cref="FaultySmtpServer"/> is down during an outage.</summary>
public enum SmtpOutage
{
    /// <summary>Nothing listens: connections are refused.</summary>
    Refuse,
    /// <summary>Connections are taken and greeted with 421.</summary>
    Greet421,
    /// <summary>Connections are taken and never greeted.</summary>
    StallAtGreeting,
}
