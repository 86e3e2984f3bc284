using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Publisher.Admin;
using Publisher.Data.Postgres;
using Publisher.Subscribers;
using Publisher.Tests.Support;

namespace Publisher.Tests.ScaleOut;

/// <summary>
/// What several hosts on one PostgreSQL database must agree on: secrets, feeds, who watches the articles folder. The
/// hosts are in this process (each its own host, services and data folder), sharing the site's database.
/// </summary>
[Trait("Db", "Postgres")]
[Collection(ScaleOutCollection.Name)] // alone: the 2-second bound is about the design, not about a machine saturated by the rest of the suite
public sealed class SharedHostsTests : IDisposable
{
    private readonly TempSite _site;
    private readonly List<PublisherFactory> _hosts = [];

    public SharedHostsTests()
    {
        Assert.True(TestDatabase.IsPostgres, $"needs PostgreSQL: set {TestDatabase.Variable} (test.sh starts a cluster and sets it)");
        _site = new TempSite();
    }

    private PublisherFactory Host(string name, Action<Dictionary<string, string?>>? change = null)
    {
        var settings = _site.Settings();
        settings["Publisher:DataPath"] = Path.Combine(_site.Root, name); // as on another machine
        settings["ConnectionStrings:Publisher"] = _site.PostgresConnection + $";Application Name={name}";
        change?.Invoke(settings);
        var host = new PublisherFactory(settings);
        _hosts.Add(host);
        _ = host.Server; // started now
        return host;
    }

    [Fact]
    public async Task GeneratedSecretsAreKeptInTheDatabaseAndAreTheSameOnEveryHost()
    {
        // No admin key and no token secret in the settings: each host would have made its own in its data folder.
        var a = Host("a", s => s["Publisher:AdminApiKey"] = null);
        var b = Host("b", s => s["Publisher:AdminApiKey"] = null);
        string adminKey = await ScalarAsync<string>("""SELECT "Value" FROM "Secrets" WHERE "Name" = 'admin'""");
        Assert.True(a.Services.GetRequiredService<AdminKey>().Matches(adminKey));
        Assert.True(b.Services.GetRequiredService<AdminKey>().Matches(adminKey));

        // A link mailed by one host works on the other.
        string token = a.Services.GetRequiredService<SubscriberTokens>().Create(TokenPurpose.Unsubscribe, 7);
        Assert.True(b.Services.GetRequiredService<SubscriberTokens>().TryRead(token, TokenPurpose.Unsubscribe, out int id));
        Assert.Equal(7, id);

        // The admin key one host made opens the other's API, and the dashboard cookie one signs the other takes.
        using var client = b.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/lists")).StatusCode);
        var cookie = a.Services.GetRequiredService<AdminKey>().DashboardCookie(DateTimeOffset.UtcNow);
        Assert.True(b.Services.GetRequiredService<AdminKey>().MatchesDashboardCookie(cookie, DateTimeOffset.UtcNow));

        foreach (var host in new[] { "a", "b" })
            foreach (var file in new[] { "admin.key", "secret.key", "dashboard.key" })
                Assert.False(File.Exists(Path.Combine(_site.Root, host, file)), $"{host}/{file} was written");
    }

    [Fact]
    public async Task AnArticlePostedToOneHostIsInEveryHostsFeedWithinTwoSecondsUnderTheSameETag()
    {
        var a = Host("a");
        var b = Host("b");
        using var adminA = a.CreateAdminClient();
        using var readerA = a.CreateClient();
        using var readerB = b.CreateClient();
        await Eventually.HoldsAsync(async () => (await readerB.GetAsync("/feeds/rss.xml")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "b serves feeds");

        for (int i = 1; i <= 3; i++)
        {
            string title = $"第{i}篇新文章";
            var posted = await adminA.PostAsJsonAsync("/api/articles", new { title, publishedAt = $"2026-11-28 0{i}:00", contentText = "正文。" });
            Assert.True(posted.IsSuccessStatusCode);
            var since = Stopwatch.StartNew();
            while (!(await readerB.GetStringAsync("/feeds/rss.xml")).Contains(title))
            {
                Assert.True(since.Elapsed < TimeSpan.FromSeconds(2), $"'{title}' was not in b's feed {since.Elapsed.TotalSeconds:N1} s after a took it");
                await Task.Delay(50);
            }
        }
        // Same rows, same bytes, same validator: a reader moved between hosts by a balancer gets 304s, not the document again.
        await Eventually.HoldsAsync(async () => await ETagAsync(readerA, "/feeds/rss.xml") == await ETagAsync(readerB, "/feeds/rss.xml"),
            TimeSpan.FromSeconds(5), "both hosts answer the same ETag");
        foreach (var path in new[] { "/feeds/atom.xml", "/feeds/feed.json" })
            Assert.Equal(await ETagAsync(readerA, path), await ETagAsync(readerB, path));
    }

    [Fact]
    public async Task OneHostAtATimeWatchesTheArticlesFolderAndAnotherTakesOverWhenItStops()
    {
        var a = Host("a");
        var b = Host("b");
        await Eventually.HoldsAsync(async () => (await WatchersAsync()).Count == 1, TimeSpan.FromSeconds(30), "one host holds the folder's lock");
        string first = (await WatchersAsync()).Single();
        var (holder, other) = first == "a" ? (a, b) : (b, a);

        _site.Write("one.md", "---\ntitle: 第一篇\ndate: 2026-11-28 08:00\n---\n\n正文。\n");
        using var reader = other.CreateClient();
        await Eventually.HoldsAsync(async () => (await reader.GetStringAsync("/feeds/rss.xml")).Contains("第一篇"), TimeSpan.FromSeconds(30),
            "the holder ingested the file");
        Assert.Equal([first], await WatchersAsync()); // still one

        await holder.DisposeAsync();
        string second = first == "a" ? "b" : "a";
        await Eventually.HoldsAsync(async () => (await WatchersAsync()).SequenceEqual([second]), TimeSpan.FromSeconds(30), "the other host took the folder over");
        _site.Write("two.md", "---\ntitle: 第二篇\ndate: 2026-11-28 09:00\n---\n\n正文。\n");
        await Eventually.HoldsAsync(async () => (await reader.GetStringAsync("/feeds/rss.xml")).Contains("第二篇"), TimeSpan.FromSeconds(30),
            "the new holder ingests");
    }

    [Fact]
    public async Task TheBuiltInHubPushesEachChangeOnceNotOncePerHost()
    {
        // Every host rebuilds the feeds when the database changes, and every host is the hub: each change must still
        // reach a subscriber once, whichever host took the article in and whichever host the subscriber asked.
        var a = Host("a");
        var b = Host("b");
        await using var subscriber = new TestWebSubscriber();
        const string topic = "http://feeds.example.test/feeds/atom.xml";
        using var readerA = a.CreateClient();
        using var readerB = b.CreateClient();
        await Eventually.HoldsAsync(async () => (await readerB.GetAsync("/feeds/atom.xml")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "b serves feeds");
        var subscribed = await readerB.PostAsync("/websub", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["hub.mode"] = "subscribe", ["hub.callback"] = subscriber.Url + "/cb", ["hub.topic"] = topic, ["hub.secret"] = "s3cret",
        }));
        Assert.Equal(HttpStatusCode.Accepted, subscribed.StatusCode);
        await Eventually.HoldsAsync(async () => await ScalarAsync<long>("""SELECT count(*) FROM "WebSubSubscriptions" """) == 1,
            TimeSpan.FromSeconds(10), "the subscription is stored");

        using var adminA = a.CreateAdminClient();
        using var adminB = b.CreateAdminClient();
        string[] titles = ["推送一", "推送二", "推送三", "推送四"];
        for (int i = 0; i < titles.Length; i++)
        {
            var admin = i % 2 == 0 ? adminA : adminB; // changes made on either host
            var posted = await admin.PostAsJsonAsync("/api/articles", new { title = titles[i], publishedAt = $"2026-11-28 0{i + 1}:00", contentText = "正文。" });
            Assert.True(posted.IsSuccessStatusCode);
            await subscriber.WaitForAsync(r => r.Method == "POST" && System.Text.Encoding.UTF8.GetString(r.Body).Contains(titles[i]),
                TimeSpan.FromSeconds(10), $"a push holding '{titles[i]}'");
            // Both hosts have seen the change (each checks the database every second) before the next one is made.
            await Eventually.HoldsAsync(async () => (await readerA.GetStringAsync("/feeds/atom.xml")).Contains(titles[i])
                && (await readerB.GetStringAsync("/feeds/atom.xml")).Contains(titles[i]), TimeSpan.FromSeconds(5), "both hosts publish it");
        }
        await Task.Delay(TimeSpan.FromSeconds(3)); // a second host's push would come within its next check (1 s) and rebuild

        var pushes = subscriber.All.Where(r => r.Method == "POST").ToList();
        Assert.True(pushes.Count == titles.Length,
            $"{pushes.Count} pushes for {titles.Length} changes: " + string.Join(", ", pushes.Select(p => titles.Count(t => System.Text.Encoding.UTF8.GetString(p.Body).Contains(t)) + " titles")));
        // In order, each the feed as it was after its change, and the last one what both hosts serve now.
        for (int i = 0; i < titles.Length; i++)
            Assert.Equal(i + 1, titles.Count(t => System.Text.Encoding.UTF8.GetString(pushes[i].Body).Contains(t)));
        Assert.Equal(await readerA.GetByteArrayAsync("/feeds/atom.xml"), pushes[^1].Body);
    }

    /// <summary>The hosts (by application name) holding the articles folder's advisory lock.</summary>
    private async Task<List<string>> WatchersAsync()
    {
        await using var connection = new NpgsqlConnection(_site.PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid = (@key >> 32)::oid AND l.objid = (@key & 4294967295)::oid
            """, connection);
        command.Parameters.AddWithValue("key", PostgresDatabase.ArticlesFolderLock);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names;
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(_site.PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string?> ETagAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return response.Headers.ETag?.Tag;
    }

    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
        _site.Dispose();
    }
}
