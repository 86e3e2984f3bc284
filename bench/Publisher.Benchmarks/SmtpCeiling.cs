using System.Diagnostics;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using Publisher.Digests;
using Publisher.Email;
using Publisher.Subscribers;

namespace Publisher.Benchmarks;

/// <summary>
/// How fast this machine sends digest-sized mail through MailKit with nothing of Publisher's around it, and then with
/// Publisher's message making and transport but no ledger: the ceiling `digest send` is measured against
/// (bench/smtp-ceiling.sh runs each step in its own process, start-up included, and `smtp-source -d` after them).
/// <list type="bullet">
/// <item><c>reused</c>: one message per connection, sent again and again with <see cref="SmtpClient.SendAsync(MimeMessage, CancellationToken, MailKit.ITransferProgress)"/>: MailKit's exchange and MIME writing only.</item>
/// <item><c>reused-sync</c>: the same with the blocking <c>Send</c>, a thread per connection (no thread-pool hand-offs).</item>
/// <item><c>personalized-mailkit</c>: each recipient's message made by <see cref="DigestComposer.Personalize"/> (a
/// five-article digest rendered once), sent with MailKit directly on a connection of its own per worker.</item>
/// <item><c>personalized</c>: a five-article digest rendered once, each recipient's message made by
/// <see cref="DigestComposer.Personalize"/> and sent by <see cref="SmtpMailTransport"/>, one worker per connection:
/// everything `digest send` does per message except the ledger.</item>
/// </list>
/// </summary>
public static class SmtpCeiling
{
    private const string BaseUrl = "http://bench.example.org";

    public static async Task<int> RunAsync(string mode, int port, int count, int connections)
    {
        var services = Services(port, connections);
        var composer = services.GetRequiredService<DigestComposer>();
        // Five articles: about the size of the five `bench/generate.py` makes for bench/digest.sh.
        var rendered = await composer.RenderAsync(new MailingList { Id = 1, Name = "bench", Description = "政务要闻" }, DigestFixture.Articles(5), 0, BaseUrl,
            DateTimeOffset.UtcNow);
        MimeMessage Make(int i) =>
            composer.Personalize(rendered, i, i, $"reader{i:000000}@example{i % 97}.cn", $"读者{i}", $"digest-1.subscriber-{i}@news.example.cn", BaseUrl);
        Console.WriteLine($"message: {Size(Make(0))} bytes");

        int next = -1;
        var clock = Stopwatch.StartNew();
        switch (mode)
        {
            case "reused":
                await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
                {
                    using var client = Connect(port);
                    var message = Make(0);
                    while (Interlocked.Increment(ref next) < count) await client.SendAsync(message);
                    await client.DisconnectAsync(true);
                }));
                break;
            case "reused-sync":
                var threads = Enumerable.Range(0, connections).Select(_ => new Thread(() =>
                {
                    using var client = Connect(port);
                    var message = Make(0);
                    while (Interlocked.Increment(ref next) < count) client.Send(message);
                    client.Disconnect(true);
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
                break;
            case "personalized-mailkit":
                await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
                {
                    using var client = Connect(port);
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < count)
                    {
                        using var message = Make(i);
                        await client.SendAsync(message);
                    }
                    await client.DisconnectAsync(true);
                }));
                break;
            case "personalized":
                var transport = services.GetRequiredService<SmtpMailTransport>();
                await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < count)
                    {
                        using var message = Make(i);
                        await transport.SendAsync(message);
                    }
                }));
                await transport.DisposeAsync();
                break;
            default:
                Console.Error.WriteLine($"unknown mode '{mode}': reused, reused-sync, personalized-mailkit or personalized");
                return 2;
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        Console.WriteLine($"{mode}: {count} messages over {connections} connections in {clock.Elapsed.TotalSeconds:F2} s after start-up; process CPU {cpu.TotalSeconds:F2} s");
        return 0;
    }

    private static ServiceProvider Services(int port, int connections)
    {
        var options = DigestFixture.Options("digest@news.example.cn");
        options.Site.BaseUrl = BaseUrl;
        options.Smtp.Host = "127.0.0.1";
        options.Smtp.Port = port;
        options.Smtp.Security = SmtpSecurity.None;
        options.Smtp.MaxConnections = connections;
        return DigestFixture.Services(options, services => services.AddSingleton(s =>
            new SmtpMailTransport(s.GetRequiredService<IOptions<PublisherOptions>>(), NullLogger<SmtpMailTransport>.Instance)));
    }

    private static SmtpClient Connect(int port)
    {
        var client = new SmtpClient { LocalDomain = "news.example.cn" };
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }; // as SmtpMailTransport does
        socket.Connect("127.0.0.1", port);
        client.Connect(socket, "127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        return client;
    }

    private static long Size(MimeMessage message)
    {
        using var buffer = new MemoryStream();
        message.WriteTo(buffer);
        return buffer.Length;
    }
}
