using System.Net.Sockets;
using System.Text;

namespace Publisher.Tests.Support;

public sealed partial class FaultySmtpServer
{
    private enum Fault { None, Refuse451, Refuse421, DropMidData, Stall }

    private Fault Draw()
    {
        double r = Roll(), edge = 0;
        if (r < (edge += DropMidDataRate)) return Fault.DropMidData;
        if (r < (edge += StallRate)) return Fault.Stall;
        if (r < (edge += TransientRate / 2)) return Fault.Refuse451;
        if (r < (edge += TransientRate / 2)) return Fault.Refuse421;
        return Fault.None;
    }

    private async Task ServeAsync(TcpClient client)
    {
        var stream = client.GetStream();
        var lines = new LineReader(stream);
        async Task Say(string reply) => await stream.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n"), _stop.Token);

        if (Outage)
        {
            Interlocked.Increment(ref OutageRefusals);
            if (OutageKind == SmtpOutage.Greet421) { await Say("421 4.3.2 faulty: service not available, try later"); return; }
            await lines.ReadLineAsync(_stop.Token); // StallAtGreeting: say nothing until the client gives up
            return;
        }
        await Say("220 faulty ESMTP ready");
        string mailFrom = "", helo = "";
        var recipients = new List<string>();
        var fault = Fault.None;
        while (await lines.ReadLineAsync(_stop.Token) is { } line)
        {
            string verb = (line.Length >= 4 ? line[..4] : line).ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    LastHelo = helo = line.Length > 5 ? line[5..].Trim() : "";
                    await Say("250-faulty\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n" + (Offers8BitMime ? "250-8BITMIME\r\n" : "") + "250 SMTPUTF8");
                    break;
                case "HELO":
                    LastHelo = helo = line.Length > 5 ? line[5..].Trim() : "";
                    await Say("250 faulty");
                    break;
                case "MAIL":
                    mailFrom = Address(line);
                    recipients.Clear();
                    fault = Draw();
                    if (fault == Fault.Stall)
                    {
                        Interlocked.Increment(ref StallsInjected);
                        await Task.Delay(StallFor, _stop.Token); // the client times out meanwhile and hangs up
                    }
                    if (SenderRefusal is { } refusal) { await Say(refusal); break; }
                    await Say("250 2.1.0 sender ok");
                    break;
                case "RCPT":
                    string to = Address(line);
                    if (Refused.ContainsKey(to))
                    {
                        Interlocked.Increment(ref PermanentRefusals);
                        await Say("550 5.1.1 <" + to + ">: recipient address rejected: user unknown");
                    }
                    else if (Greylist is { } grey && GreylistWhere(to) && Clock() - _firstTry.GetOrAdd(to, _ => Clock()) < grey)
                    {
                        Interlocked.Increment(ref GreylistRefusals);
                        await Say("451 4.7.1 <" + to + ">: greylisted, try again later");
                    }
                    else
                    {
                        recipients.Add(to);
                        await Say("250 2.1.5 recipient ok");
                    }
                    break;
                case "DATA":
                    if (recipients.Count == 0) { await Say("503 5.5.1 no valid recipients"); break; }
                    await Say("354 end data with <CR><LF>.<CR><LF>");
                    if (fault == Fault.DropMidData)
                    {
                        Interlocked.Increment(ref DropsInjected);
                        await lines.ReadLineAsync(_stop.Token); // a line of the message, then the connection is gone
                        Reset(client);
                        return;
                    }
                    byte[] data = await lines.ReadDataAsync(_stop.Token);
                    Interlocked.Increment(ref BodiesReceived);
                    if (ReplyDelay > TimeSpan.Zero) await Task.Delay(ReplyDelay, _stop.Token);
                    if (fault == Fault.Refuse451)
                    {
                        Interlocked.Increment(ref TransientsInjected);
                        await Say("451 4.3.0 faulty: local problem, try again later");
                        break;
                    }
                    if (fault == Fault.Refuse421)
                    {
                        Interlocked.Increment(ref TransientsInjected);
                        await Say("421 4.3.0 faulty: closing the connection, try again later");
                        return;
                    }
                    if (BeforeReply is { } verdict && await verdict(helo) is { } verdictReply)
                    {
                        // Not kept: the test decided this message's fate (held it, then refused it).
                        await Say(verdictReply);
                        break;
                    }
                    string messageId = MessageIdOf(data);
                    foreach (var r in recipients) Delivered.Enqueue(new Delivery(r, messageId, mailFrom, data, DateTime.UtcNow, helo));
                    await Say("250 2.0.0 queued");
                    break;
                case "RSET":
                    recipients.Clear();
                    await Say("250 2.0.0 ok");
                    break;
                case "NOOP":
                    await Say("250 2.0.0 ok");
                    break;
                case "QUIT":
                    Interlocked.Increment(ref Quits);
                    await Say("221 2.0.0 bye");
                    return;
                default:
                    await Say("502 5.5.2 command not recognized");
                    break;
            }
        }
    }

    /// <summary>Reads CRLF lines and DATA sections from a socket, byte for byte (8-bit and UTF-8 data survive).</summary>
    private sealed class LineReader(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start, _end;

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) throw new InvalidOperationException("line too long");
            int n = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            _end += n;
            return n > 0;
        }

        /// <summary>The next line without its line end, as bytes; null when the client closed.</summary>
        private async Task<ArraySegment<byte>?> ReadRawLineAsync(CancellationToken ct)
        {
            while (true)
            {
                int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (lf >= 0)
                {
                    int length = lf - _start;
                    if (length > 0 && _buffer[lf - 1] == '\r') length--;
                    var line = new ArraySegment<byte>(_buffer, _start, length);
                    _start = lf + 1;
                    return line;
                }
                if (!await FillAsync(ct)) return null;
            }
        }

        public async Task<string?> ReadLineAsync(CancellationToken ct) =>
            await ReadRawLineAsync(ct) is { } line ? Encoding.UTF8.GetString(line) : null;

        /// <summary>The message up to the lone dot, dot-stuffing undone, lines ending in CRLF.</summary>
        public async Task<byte[]> ReadDataAsync(CancellationToken ct)
        {
            using var data = new MemoryStream();
            while (await ReadRawLineAsync(ct) is { } line)
            {
                if (line.Count == 1 && line[0] == '.') return data.ToArray();
                var span = line.AsSpan();
                if (span.Length > 0 && span[0] == '.') span = span[1..];
                data.Write(span);
                data.Write("\r\n"u8);
            }
            throw new IOException("the client closed the connection in the middle of DATA");
        }
    }
}
