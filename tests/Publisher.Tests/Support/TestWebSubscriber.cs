using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Publisher.Tests.Support;

/// <summary>
/// A WebSub subscriber (or an outside hub) on a real port: answers verification GETs as told and keeps every request.
/// </summary>
public sealed class TestWebSubscriber : IAsyncDisposable
{
    public sealed record Received(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);

    /// <summary>Whether a verification GET is confirmed by echoing hub.challenge.</summary>
    public bool EchoChallenge { get; set; } = true;
    public string Url { get; }

    public TestWebSubscriber()
    {
        int port = Loopback.FreePort();
        Url = $"http://127.0.0.1:{port}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Url);
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(async http =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            _received.Enqueue(new Received(http.Request.Method, http.Request.Path + http.Request.QueryString, headers, body.ToArray()));
            _arrived.Release();
            if (HttpMethods.IsGet(http.Request.Method))
                await http.Response.WriteAsync(EchoChallenge ? http.Request.Query["hub.challenge"].ToString() : "no thanks");
            else http.Response.StatusCode = 202;
        });
        _app.StartAsync().GetAwaiter().GetResult();
    }

    public IReadOnlyList<Received> All => _received.ToList();

    /// <summary>Waits for a request that <paramref name="match"/> accepts; fails after <paramref name="within"/>.</summary>
    public async Task<Received> WaitForAsync(Func<Received, bool> match, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (_received.FirstOrDefault(match) is { } found) return found;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left)) Assert.Fail($"Not within {within.TotalSeconds:N0} s: {what}");
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
