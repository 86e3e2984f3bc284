using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Publisher.Data;
using Publisher.Tests.Support;

namespace Publisher.Tests.WebSub;

/// <summary>The built-in WebSub hub with a real subscriber on a real port, and the ping of an outside hub.</summary>
[Trait("Db", "Both")]
public sealed class WebSubTests : IAsyncLifetime
{
    private const string Base = "http://feeds.example.test";
    private const string Topic = Base + "/feeds/atom.xml";
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private readonly TempSite _site = new();
    private readonly TestWebSubscriber _subscriber = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _subscriber.DisposeAsync();
        _site.Dispose();
    }

    private async Task<(PublisherFactory, HttpClient)> StartAsync(Dictionary<string, string?>? extra = null)
    {
        _site.AddSeed();
        var settings = _site.Settings(Base);
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        var factory = new PublisherFactory(settings);
        var client = factory.CreateClient();
        await Eventually.HoldsAsync(async () => (await client.GetStringAsync("/feeds/atom.xml")).Contains("最高检机关"), TimeSpan.FromSeconds(30), "published");
        return (factory, client);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, params (string, string)[] form) =>
        client.PostAsync("/websub", new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2))));

    private static async Task<int> SubscriptionsAsync(PublisherFactory factory)
    {
        using var scope = factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<PublisherDbContext>().WebSubSubscriptions.CountAsync();
    }

    [Fact]
    public async Task TheHubChecksIntentAndPushesSignedNewContentWithinSeconds()
    {
        var (factory, client) = await StartAsync();
        using var _ = factory;
        // Every feed announces the hub and its own address.
        var atom = XDocument.Parse(await client.GetStringAsync("/feeds/atom.xml")).Root!;
        Assert.Equal(Base + "/websub", (string?)atom.Elements(Atom + "link").Single(l => (string?)l.Attribute("rel") == "hub").Attribute("href"));
        Assert.Equal(Topic, (string?)atom.Elements(Atom + "link").Single(l => (string?)l.Attribute("rel") == "self").Attribute("href"));
        Assert.Contains($"<atom:link rel=\"hub\" href=\"{Base}/websub\" />", await client.GetStringAsync("/feeds/rss.xml"));

        string callback = _subscriber.Url + "/callback?feed=1";
        var response = await PostAsync(client, ("hub.mode", "subscribe"), ("hub.callback", callback), ("hub.topic", Topic),
            ("hub.secret", "蛋糕-secret"), ("hub.lease_seconds", "3600"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var check = await _subscriber.WaitForAsync(r => r.Method == "GET", TimeSpan.FromSeconds(10), "the hub's verification of intent");
        Assert.StartsWith("/callback?feed=1&hub.mode=subscribe&hub.topic=" + Uri.EscapeDataString(Topic), check.PathAndQuery);
        Assert.Contains("&hub.lease_seconds=3600", check.PathAndQuery);
        await Eventually.HoldsAsync(async () => await SubscriptionsAsync(factory) == 1, TimeSpan.FromSeconds(10), "the subscription is stored");

        _site.Write("new.md", "---\ntitle: 推送测试文章\ndate: 2030-01-01 08:00\ncategory: 要闻\n---\n刚刚发布。");
        var push = await _subscriber.WaitForAsync(r => r.Method == "POST", TimeSpan.FromSeconds(15), "the new content pushed");
        Assert.Contains("推送测试文章", Encoding.UTF8.GetString(push.Body));
        Assert.StartsWith("application/atom+xml", push.Headers["Content-Type"]);
        Assert.Contains($"<{Base}/websub>; rel=\"hub\"", push.Headers["Link"]);
        Assert.Contains($"<{Topic}>; rel=\"self\"", push.Headers["Link"]);
        string expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("蛋糕-secret"), push.Body));
        Assert.Equal(expected, push.Headers["X-Hub-Signature"]);
        Assert.Equal(await client.GetByteArrayAsync("/feeds/atom.xml"), push.Body);
        Assert.DoesNotContain(_subscriber.All, r => r.Method == "POST" && !r.PathAndQuery.StartsWith("/callback")); // only its own topic

        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(client, ("hub.mode", "unsubscribe"), ("hub.callback", callback), ("hub.topic", Topic))).StatusCode);
        await _subscriber.WaitForAsync(r => r.Method == "GET" && r.PathAndQuery.Contains("hub.mode=unsubscribe"), TimeSpan.FromSeconds(10), "the unsubscribe check");
        await Eventually.HoldsAsync(async () => await SubscriptionsAsync(factory) == 0, TimeSpan.FromSeconds(10), "the subscription is gone");
    }

    [Fact]
    public async Task ASubscriberThatDoesNotEchoTheChallengeIsNotSubscribed()
    {
        var (factory, client) = await StartAsync();
        using var _ = factory;
        _subscriber.EchoChallenge = false;
        Assert.Equal(HttpStatusCode.Accepted,
            (await PostAsync(client, ("hub.mode", "subscribe"), ("hub.callback", _subscriber.Url + "/cb"), ("hub.topic", Topic))).StatusCode);
        var check = await _subscriber.WaitForAsync(r => r.Method == "GET", TimeSpan.FromSeconds(10), "the verification");
        Assert.Contains($"hub.lease_seconds={10 * 86400}", check.PathAndQuery); // the hub's default lease
        // A second request is checked after the first: once it arrives, the first has been decided.
        Assert.Equal(HttpStatusCode.Accepted,
            (await PostAsync(client, ("hub.mode", "subscribe"), ("hub.callback", _subscriber.Url + "/second"), ("hub.topic", Topic))).StatusCode);
        await _subscriber.WaitForAsync(r => r.PathAndQuery.StartsWith("/second"), TimeSpan.FromSeconds(10), "the second verification");
        Assert.Equal(0, await SubscriptionsAsync(factory));
    }

    [Theory]
    [InlineData("subscribe", "ftp://x.example/cb", Topic, null, "hub.callback")]
    [InlineData("subscribe", "/relative", Topic, null, "hub.callback")]
    [InlineData("subscribe", "http://x.example/cb", "http://other.example/feeds/atom.xml", null, "hub.topic")]
    [InlineData("subscribe", "http://x.example/cb", Base + "/articles/x", null, "hub.topic")]
    [InlineData("subscribe", "http://x.example/cb", Base + "/feeds/atom.xml?page=2", null, "hub.topic")]
    [InlineData("publish", "http://x.example/cb", Topic, null, "hub.mode")]
    [InlineData("subscribe", "http://x.example/cb", Topic, "long", "hub.secret")]
    public async Task BadSubscriptionRequestsAreRefusedNamingTheParameterAndStoreNothing(string mode, string callback, string topic, string? secret, string named)
    {
        var (factory, client) = await StartAsync();
        using var _ = factory;
        var form = new List<(string, string)> { ("hub.mode", mode), ("hub.callback", callback), ("hub.topic", topic) };
        if (secret is not null) form.Add(("hub.secret", new string('x', 200)));
        var response = await PostAsync(client, form.ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await SubscriptionsAsync(factory));
    }

    [Fact]
    public async Task AChangeMadeWhileTheHostIsBehindTheDatabaseIsPushedOnceItCatchesUp()
    {
        // A verb (or another host) adds an article the service has not loaded yet, and an article of another category
        // comes in through the API at once: the second one's category feed is pushed, though the service first waits
        // to catch up, and the catching up rebuilds only the first one's feeds.
        var (factory, client) = await StartAsync();
        using var _ = factory;
        string topic = Base + "/feeds/categories/" + Uri.EscapeDataString("监督测试") + "/atom.xml"; // a category to come
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(client, ("hub.mode", "subscribe"), ("hub.callback", _subscriber.Url + "/cb"), ("hub.topic", topic))).StatusCode);
        await Eventually.HoldsAsync(async () => await SubscriptionsAsync(factory) == 1, TimeSpan.FromSeconds(10), "the subscription is stored");

        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var other = await db.Articles.AsNoTracking().FirstAsync(); // another category
            other.Id = 0;
            other.Uid = Guid.NewGuid();
            other.Slug = other.SourceKey = "written-beside-the-service";
            other.Title = "旁路写入的文章";
            other.PublishedUtc = other.UpdatedUtc = other.CreatedUtc = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            db.Articles.Add(other);
            await db.SaveChangesAsync();
        }
        using var admin = factory.CreateAdminClient();
        var posted = await admin.PostAsJsonAsync("/api/articles", new { title = "监督新文章", publishedAt = "2030-01-02 08:00", category = "监督测试", contentText = "正文。" });
        Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());

        var push = await _subscriber.WaitForAsync(r => r.Method == "POST", TimeSpan.FromSeconds(15), "the category feed pushed");
        Assert.Contains("监督新文章", Encoding.UTF8.GetString(push.Body));
        Assert.Equal(await client.GetByteArrayAsync(topic[Base.Length..]), push.Body);
    }

    [Fact]
    public async Task AnOutsideHubIsAnnouncedAndPingedWhenAFeedChanges()
    {
        string hub = _subscriber.Url + "/hub";
        var (factory, client) = await StartAsync(new() { ["Publisher:WebSub:Hub"] = hub });
        using var _ = factory;
        var atom = XDocument.Parse(await client.GetStringAsync("/feeds/atom.xml")).Root!;
        Assert.Equal(hub, (string?)atom.Elements(Atom + "link").Single(l => (string?)l.Attribute("rel") == "hub").Attribute("href"));
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(client, ("hub.mode", "subscribe"), ("hub.callback", "http://x.example/"), ("hub.topic", Topic))).StatusCode);

        _site.Write("new.md", "---\ntitle: 新文章\ndate: 2030-01-01 08:00\n---\n正文。");
        foreach (var topic in new[] { Base + "/feeds/rss.xml", Base + "/feeds/atom.xml", Base + "/feeds/feed.json" })
        {
            var ping = await _subscriber.WaitForAsync(r => r.Method == "POST" && Encoding.UTF8.GetString(r.Body) == "hub.mode=publish&hub.url=" + Uri.EscapeDataString(topic),
                TimeSpan.FromSeconds(15), "a publish ping for " + topic);
            Assert.Equal("/hub", ping.PathAndQuery);
        }
    }
}
