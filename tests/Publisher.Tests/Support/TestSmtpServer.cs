using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using System.IO.Pipelines;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Publisher.Tests.Support;

/// <summary>A real SMTP server in-process (the SmtpServer package) that keeps what it receives.</summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly SmtpServer.SmtpServer _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private int _sessions;

    public int Port { get; }
    public ConcurrentQueue<MimeMessage> Received { get; } = new();
    public int Sessions => Volatile.Read(ref _sessions);
    public DateTime LastReceivedUtc { get; private set; }
    /// <summary>Decides the reply to the n-th message (1-based); null accepts it.</summary>
    public Func<int, SmtpResponse?> Reply { get; set; } = _ => null;
    /// <summary>Recipients refused for good (550) whenever they come.</summary>
    public ConcurrentDictionary<string, bool> Refused { get; } = new(StringComparer.OrdinalIgnoreCase);

    public TestSmtpServer()
    {
        Port = Loopback.FreePort();
        var options = new SmtpServerOptionsBuilder().ServerName("localhost").Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port))).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add(new NoDelayListenerFactory());
        _server = new SmtpServer.SmtpServer(options, services);
        _server.SessionCreated += (_, _) => Interlocked.Increment(ref _sessions);
        _running = _server.StartAsync(_stop.Token);
    }

    public Dictionary<string, string?> Settings(int maxConnections = 2) => Loopback.SmtpSettings(Port, maxConnections, timeoutSeconds: 5);

    private int _count;

    private sealed class Store(TestSmtpServer owner) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken ct)
        {
            int n = Interlocked.Increment(ref owner._count);
            if (owner.Reply(n) is { } refusal) return refusal;
            if (transaction.To.Any(to => owner.Refused.ContainsKey($"{to.User}@{to.Host}")))
                return new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "mailbox unavailable");
            using var stream = new MemoryStream(buffer.ToArray());
            owner.Received.Enqueue(await MimeMessage.LoadAsync(stream, ct));
            owner.LastReceivedUtc = DateTime.UtcNow;
            return SmtpResponse.Ok;
        }
    }

    /// <summary>
    /// Accepts connections with Nagle's algorithm off. The package's own listener leaves it on, and then each reply
    /// written after a small unacknowledged one waits for the client's delayed ACK: about 50 ms a message.
    /// </summary>
    private sealed class NoDelayListenerFactory : IEndpointListenerFactory
    {
        public IEndpointListener CreateListener(IEndpointDefinition endpoint) => new Listener(endpoint.Endpoint);

        private sealed class Listener : IEndpointListener
        {
            private readonly TcpListener _tcp;

            public Listener(IPEndPoint endpoint)
            {
                _tcp = new TcpListener(endpoint);
                _tcp.Start();
            }

            public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
            {
                var socket = await _tcp.AcceptSocketAsync(cancellationToken);
                socket.NoDelay = true;
                context.Properties[EndpointListener.LocalEndPointKey] = socket.LocalEndPoint!;
                context.Properties[EndpointListener.RemoteEndPointKey] = socket.RemoteEndPoint!;
                return new Pipe(new NetworkStream(socket, ownsSocket: true));
            }

            public void Dispose() => _tcp.Stop();
        }

        private sealed class Pipe(NetworkStream stream) : ISecurableDuplexPipe
        {
            public PipeReader Input { get; } = PipeReader.Create(stream);
            public PipeWriter Output { get; } = PipeWriter.Create(stream);
            public bool IsSecure => false;
            public SslProtocols SslProtocol => SslProtocols.None;
            public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken) =>
                throw new NotSupportedException("the test server speaks plain SMTP only");
            public void Dispose() => stream.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _server.Shutdown();
        try { await _running.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { /* stopping */ }
    }
}
