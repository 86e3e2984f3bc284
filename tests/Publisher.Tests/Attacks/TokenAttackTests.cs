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
        var settings = _site.Settings(_smtp.Settings());
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

        var expiredTokens = new SubscriberTokens(options, services.GetRequiredService<Publisher.Data.SharedSecrets>(), new ManualClock(DateTimeOffset.UtcNow - SubscriberTokens.ConfirmLifetime - TimeSpan.FromHours(1)),
            NullLogger<SubscriberTokens>.Instance);
        var strangerOptions = Options.Create(new PublisherOptions { Secret = "a-stranger's-secret-0123456789abcdef" });
        var strangerTokens = new SubscriberTokens(strangerOptions, new Publisher.Data.SharedSecrets(null!, strangerOptions), TimeProvider.System,
            NullLogger<SubscriberTokens>.Instance);
        int readerId;
        using (var scope = services.CreateScope())
            readerId = await scope.ServiceProvider.GetRequiredService<PublisherDbContext>().Subscribers.Where(x => x.EmailKey == "reader@example.org").Select(x => x.Id).SingleAsync();
        string manage = tokens.Create(TokenPurpose.Manage, readerId);

        // Every route a token opens, each with the method that would change something (and GET for the pages).
        string[] confirmRoutes = ["GET /confirm/{0}", "POST /confirm/{0}"];
        string[] unsubscribeRoutes = ["GET /unsubscribe/{0}", "POST /unsubscribe/{0}"];
        string[] manageRoutes = ["GET /manage/{0}", "POST /manage/{0}/unsubscribe-all", "POST /manage/{0}/lists/news/unsubscribe", "POST /manage/{0}/erase",
            "POST /manage/{0}/name", "POST /manage/{0}/export"];
        var attempts = new List<(string[] Routes, string Token)>();
        // (A variant that URL-decodes to the token itself is not bent. Standard base64's '+' and '/' for base64url's
        // '-' and '_' is the same bytes spelled otherwise, and is refused: a token has one spelling.)
        foreach (var bent in Bent(confirm).Where(b => Uri.UnescapeDataString(b) != confirm)) attempts.Add((confirmRoutes, bent));
        foreach (var bent in Bent(unsubscribe).Where(b => Uri.UnescapeDataString(b) != unsubscribe)) attempts.Add((unsubscribeRoutes, bent));
        foreach (var bent in Bent(manage).Where(b => Uri.UnescapeDataString(b) != manage)) attempts.Add((manageRoutes, bent));
        attempts.Add(([.. unsubscribeRoutes, .. manageRoutes], confirm));                   // another purpose
        attempts.Add(([.. confirmRoutes, .. manageRoutes], unsubscribe));
        attempts.Add(([.. confirmRoutes, .. unsubscribeRoutes], manage));
        attempts.Add((confirmRoutes, expiredTokens.Create(TokenPurpose.Confirm, waiting))); // expired
        attempts.Add((confirmRoutes, strangerTokens.Create(TokenPurpose.Confirm, waiting))); // another secret
        attempts.Add((unsubscribeRoutes, strangerTokens.Create(TokenPurpose.Unsubscribe, reader)));
        attempts.Add((manageRoutes, strangerTokens.Create(TokenPurpose.Manage, readerId)));
        attempts.Add((unsubscribeRoutes, tokens.Create(TokenPurpose.Unsubscribe, 987_654)));   // genuine, but nobody's
        attempts.Add((manageRoutes, tokens.Create(TokenPurpose.Manage, 987_654)));
        attempts.Add((confirmRoutes, tokens.Create(TokenPurpose.Confirm, -1)));

        string before = await StatusesAsync();
        Assert.Equal("reader@example.org=confirmed,waiting@example.org=unconfirmed", before);
        var answers = new List<string>();
        foreach (var (routes, token) in attempts)
        {
            foreach (var route in routes)
            {
                var (method, path) = (route.Split(' ')[0], string.Format(route.Split(' ')[1], token));
                var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method == "POST")
                    request.Content = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click"), new("confirm", "yes"), new("name", "Mallory")]);
                var response = await _client.SendAsync(request);
                answers.Add($"{method} {(path.Length > 60 ? path[..60] + "…" : path)}: {(int)response.StatusCode}");
                Assert.True((int)response.StatusCode is 400 or 404 or 414, answers[^1]);
            }
        }
        Assert.Equal(before, await StatusesAsync());
        using (var scope = services.CreateScope())
            Assert.Null(await scope.ServiceProvider.GetRequiredService<PublisherDbContext>().Subscribers.Where(x => x.EmailKey == "reader@example.org").Select(x => x.Name).SingleAsync());

        // The genuine ones still do their work.
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/manage/{manage}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/confirm/{confirm}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/unsubscribe/{unsubscribe}", null)).StatusCode);
        Assert.Equal("reader@example.org=unsubscribed,waiting@example.org=confirmed", await StatusesAsync());
    }
}
