using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Publisher.Tests.Support;

/// <summary>What a scripted SMTP connection does with the message it is given.</summary>
public enum DataBehaviour { Accept, DropMidData, NeverReply, AcceptThenHangUp }

/// <summary>
/// A minimal SMTP responder on a real socket, for the failures a library server will not produce: a
/// connection dropped in the middle of DATA, or a server that takes the whole message and never answers.
/// </summary>
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    /// <summary>Behaviour of the n-th connection (1-based).</summary>
    public Func<int, DataBehaviour> Script { get; set; } = _ => DataBehaviour.Accept;
    public int Connections => Volatile.Read(ref _connections);
    public int Accepted;
    public int BodiesReceivedWhole;
    public int Noops;
    /// <summary>Whether EHLO offers 8BITMIME; without it a client must send 7-bit messages.</summary>
    public bool Offers8BitMime { get; set; } = true;
    /// <summary>Each accepted message: its MAIL FROM line and its bytes as received (dot-stuffing undone).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(string MailFrom, byte[] Data)> Messages { get; } = new();
    /// <summary>The name each client gave in EHLO or HELO.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Greetings { get; } = new();

    public ScriptedSmtpServer()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            int n = Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeAsync(client, Script(n)));
        }
    }

    private async Task ServeAsync(TcpClient client, DataBehaviour behaviour)
    {
        using (client)
        {
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.Latin1); // one char per byte: 8-bit data survives
            async Task Say(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
            try
            {
                await Say("220 scripted ESMTP");
                string mailFrom = "";
                while (await reader.ReadLineAsync() is { } line)
                {
                    string verb = line.Split(' ')[0].ToUpperInvariant();
                    if (verb is "EHLO" or "HELO") Greetings.Enqueue(line[4..].Trim());
                    switch (verb)
                    {
                        case "EHLO" when Offers8BitMime: await Say("250-scripted"); await Say("250 8BITMIME"); break;
                        case "EHLO": await Say("250 scripted"); break;
                        case "MAIL": mailFrom = line; await Say("250 OK"); break;
                        case "NOOP": Interlocked.Increment(ref Noops); await Say("250 OK"); break;
                        case "HELO" or "RCPT" or "RSET": await Say("250 OK"); break;
                        case "QUIT": await Say("221 bye"); return;
                        case "DATA":
                            await Say("354 go ahead");
                            if (behaviour == DataBehaviour.DropMidData)
                            {
                                await reader.ReadLineAsync(); // take a line of the message, then vanish
                                client.Client.LingerState = new LingerOption(true, 0); // reset, not a polite close
                                return;
                            }
                            var data = new StringBuilder();
                            while (await reader.ReadLineAsync() is { } body && body != ".")
                                data.Append(body.StartsWith('.') ? body[1..] : body).Append("\r\n");
                            Interlocked.Increment(ref BodiesReceivedWhole);
                            if (behaviour == DataBehaviour.NeverReply)
                            {
                                await Task.Delay(Timeout.Infinite, _stop.Token);
                                return;
                            }
                            Interlocked.Increment(ref Accepted);
                            Messages.Enqueue((mailFrom, Encoding.Latin1.GetBytes(data.ToString())));
                            await Say("250 queued");
                            if (behaviour == DataBehaviour.AcceptThenHangUp) return; // an idle timeout, say: closed without a word
                            break;
                        default: await Say("502 not implemented"); break;
                    }
                }
            }
            catch (Exception) { /* the client went away or we are stopping */ }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _accepting; } catch (Exception) { }
    }
}
