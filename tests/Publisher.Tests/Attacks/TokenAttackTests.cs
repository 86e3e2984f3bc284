using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Publisher.Data;
using Publisher.Subscribers;
using Publisher.Tests.Support;

namespace Publisher.Tests.Attacks;

/// <summary>
/// Every way a stranger can bend a token from a mail — each character changed, cut short, lengthened, re-encoded,
/// expired, signed with another secret, made for another purpose or for someone who does not exist — changes
/// nobody's subscription and never answers 5xx, on GET and POST of every token route. The genuine tokens still work
/// at the end, so the test would notice routes that refused everything.
/// </summary>
public sealed class TokenAttackTests : IAsyncLifetime
{
    private readonly TempSite _site = new();
    private readonly TestSmtpServer _smtp = new();
    private PublisherFactory _factory = null!;
    private HttpClient _client = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        var settings = _site.Settings();
        foreach (var (k, v) in _smtp.Settings()) settings[k] = v;
        _factory = new PublisherFactory(settings);
        _client = _factory.CreateClient(new() { AllowAutoRedirect = false });
        _admin = _factory.CreateAdminClient();
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news" })).StatusCode);
        // One member waiting to confirm, one confirmed.
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "waiting@example.org" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "reader@example.org", confirmed = true })).StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
        _site.Dispose();
    }

    private async Task<int> MembershipOfAsync(string email)
    {
        using var scope = _factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<PublisherDbContext>().Memberships
            .Where(m => m.Subscriber.EmailKey == email).Select(m => m.Id).SingleAsync();
    }

    private async Task<string> StatusesAsync()
    {
        var page = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers");
        return string.Join(",", page.GetProperty("items").EnumerateArray().Select(i => $"{i.GetProperty("email")}={i.GetProperty("status")}"));
    }

    private static IEnumerable<string> Bent(string token)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < token.Length; i++)
        {
            char other = alphabet[(alphabet.IndexOf(token[i]) + 1 + i % 7) % alphabet.Length];
            yield return token[..i] + other + token[(i + 1)..];
        }
        yield return token[..^1];
        yield return token[..(token.Length / 2)];
        yield return token + "A";
        yield return token + "==";
        yield return token.ToUpperInvariant();
        yield return token + "%01"; // (a NUL in the path Kestrel refuses itself, before any route)
        yield return token + "%2F..%2F";
        yield return token.Replace('-', '+').Replace('_', '/');
        yield return new string('A', token.Length);
        yield return new string('x', 10_000);
        yield return "%E2%80%AE" + token;
    }

    [Fact]
    public async Task NoBentTokenChangesAnythingOrAnswers5xx()
    {
        var services = _factory.Services;
        var options = services.GetRequiredService<IOptions<PublisherOptions>>();
        var tokens = services.GetRequiredService<SubscriberTokens>();
        int waiting = await MembershipOfAsync("waiting@example.org"), reader = await MembershipOfAsync("reader@example.org");
        string confirm = tokens.Create(TokenPurpose.Confirm, waiting), unsubscribe = tokens.Create(TokenPurpose.Unsubscribe, reader);

        var expiredTokens = new SubscriberTokens(options, new ManualClock(DateTimeOffset.UtcNow - SubscriberTokens.ConfirmLifetime - TimeSpan.FromHours(1)),
            NullLogger<SubscriberTokens>.Instance);
        var strangerTokens = new SubscriberTokens(Options.Create(new PublisherOptions { Secret = "a-stranger's-secret-0123456789abcdef" }), TimeProvider.System,
            NullLogger<SubscriberTokens>.Instance);
        var attempts = new List<(string Route, string Token)>();
        // (A variant that decodes to the token itself, such as '+' for '-' in a token without one, is not bent.)
        foreach (var bent in Bent(confirm).Where(b => Uri.UnescapeDataString(b) != confirm)) attempts.Add(("confirm", bent));
        foreach (var bent in Bent(unsubscribe).Where(b => Uri.UnescapeDataString(b) != unsubscribe)) attempts.Add(("unsubscribe", bent));
        attempts.Add(("unsubscribe", confirm));                                        // another purpose
        attempts.Add(("confirm", unsubscribe));
        attempts.Add(("confirm", expiredTokens.Create(TokenPurpose.Confirm, waiting))); // expired
        attempts.Add(("confirm", strangerTokens.Create(TokenPurpose.Confirm, waiting))); // another secret
        attempts.Add(("unsubscribe", strangerTokens.Create(TokenPurpose.Unsubscribe, reader)));
        attempts.Add(("unsubscribe", tokens.Create(TokenPurpose.Unsubscribe, 987_654)));   // genuine, but nobody's
        attempts.Add(("confirm", tokens.Create(TokenPurpose.Confirm, -1)));

        string before = await StatusesAsync();
        Assert.Equal("reader@example.org=confirmed,waiting@example.org=unconfirmed", before);
        var answers = new List<string>();
        foreach (var (route, token) in attempts)
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post })
            {
                var request = new HttpRequestMessage(method, $"/{route}/{token}");
                if (method == HttpMethod.Post) request.Content = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]);
                var response = await _client.SendAsync(request);
                answers.Add($"{method} /{route}/{(token.Length > 40 ? token[..40] + "…" : token)}: {(int)response.StatusCode}");
                Assert.True((int)response.StatusCode is 400 or 404 or 414, answers[^1]);
            }
        }
        Assert.Equal(before, await StatusesAsync());

        // The genuine ones still do their work.
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/confirm/{confirm}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/unsubscribe/{unsubscribe}", null)).StatusCode);
        Assert.Equal("reader@example.org=unsubscribed,waiting@example.org=confirmed", await StatusesAsync());
    }
}
