using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Publisher.Tests.Support;

namespace Publisher.Tests.Feeds;

/// <summary>What makes a reader treat an entry as new, updated or the same: ids, dates and self links.</summary>
[Trait("Db", "Both")]
public sealed class FeedIdentityTests : IDisposable
{
    private const string Base = "http://feeds.example.test";
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private readonly List<TempSite> _sites = [];

    public void Dispose() { foreach (var s in _sites) s.Dispose(); }

    private TempSite NewSite()
    {
        var site = new TempSite();
        _sites.Add(site);
        site.AddSeed();
        site.AddFixture("01_notice_gt_datetime.txt");
        site.Write("news.md", "---\ntitle: 春季行动\ndate: 2024-03-01 09:00\ncategory: 要闻\n---\n正文第一段。");
        return site;
    }

    private static async Task<(PublisherFactory, HttpClient)> StartAsync(TempSite site, int articles)
    {
        var factory = new PublisherFactory(site.Settings(Base));
        var client = factory.CreateClient();
        await Eventually.HoldsAsync(async () => (await client.GetFromJsonAsync<JsonElement>("/feeds/feed.json")).GetProperty("items").GetArrayLength() == articles,
            TimeSpan.FromSeconds(30), $"{articles} articles are published");
        return (factory, client);
    }

    private static async Task<Dictionary<string, string>> IdsByTitleAsync(HttpClient client)
    {
        var feed = await FeedReader.ParseAsync(await client.GetByteArrayAsync("/feeds/atom.xml"));
        return feed.GetProperty("entries").EnumerateArray().ToDictionary(e => e.GetProperty("title").GetString()!, e => e.GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task EntryIdsAreTagUrisThatSurviveAFreshDatabaseAndAnEdit()
    {
        var first = NewSite();
        var (factory, client) = await StartAsync(first, 3);
        Dictionary<string, string> before;
        using (factory) before = await IdsByTitleAsync(client);

        Assert.Equal($"tag:feeds.example.test,2020-04-30:/articles/000_8378d429204bb38c", before["最高检机关党组织党建风采纪实:凝聚党员力量,激发党建活力"]);
        Assert.Equal("tag:feeds.example.test,2024-03-01:/articles/news", before["春季行动"]);

        // The same files ingested into a new database (another machine, a restored backup) give the same ids.
        var second = NewSite();
        (factory, client) = await StartAsync(second, 3);
        using (factory)
        {
            Assert.Equal(before, await IdsByTitleAsync(client));
            // An edit, even of the date, keeps the id.
            second.Write("news.md", "---\ntitle: 春季行动（更新）\ndate: 2024-03-02 10:00\ncategory: 要闻\n---\n正文第一段，已更新。");
            await Eventually.HoldsAsync(async () => (await client.GetStringAsync("/feeds/atom.xml")).Contains("春季行动（更新）"), TimeSpan.FromSeconds(20), "the edit is published");
            Assert.Equal(before["春季行动"], (await IdsByTitleAsync(client))["春季行动（更新）"]);
        }
    }

    [Fact]
    public async Task AtomUpdatedIsThePublicationTimeUntilWhatReadersSeeChanges()
    {
        var site = NewSite();
        var (factory, client) = await StartAsync(site, 3);
        using var _ = factory;

        var entries = XDocument.Parse(await client.GetStringAsync("/feeds/atom.xml")).Root!.Elements(Atom + "entry").ToList();
        foreach (var e in entries) Assert.Equal(e.Element(Atom + "published")!.Value, e.Element(Atom + "updated")!.Value);
        Assert.Equal(3, entries.Select(e => e.Element(Atom + "updated")!.Value).Distinct().Count());

        // New bytes that change nothing a reader sees (a different footer) leave "updated" alone...
        string seed = Path.Combine(site.ArticlesPath, "01_notice_gt_datetime.txt");
        File.WriteAllText(seed, File.ReadAllText(seed).Replace("版权所有：临江市人民政府", "版权所有：临江市人民政府办公室"));
        var before = await client.GetStringAsync("/feeds/atom.xml");
        // ...a real edit moves it past the publication time.
        site.Write("news.md", "---\ntitle: 春季行动\ndate: 2024-03-01 09:00\ncategory: 要闻\n---\n正文第一段，补充了内容。");
        await Eventually.HoldsAsync(async () => (await client.GetStringAsync("/feeds/atom.xml")).Contains("补充了内容"), TimeSpan.FromSeconds(20), "the edit is published");
        entries = XDocument.Parse(await client.GetStringAsync("/feeds/atom.xml")).Root!.Elements(Atom + "entry").ToList();
        var edited = entries.Single(e => e.Element(Atom + "title")!.Value == "春季行动");
        Assert.True(DateTimeOffset.Parse(edited.Element(Atom + "updated")!.Value) > DateTimeOffset.Parse(edited.Element(Atom + "published")!.Value));
        var untouched = entries.Single(e => e.Element(Atom + "title")!.Value.StartsWith("临江市"));
        Assert.Equal(untouched.Element(Atom + "published")!.Value, untouched.Element(Atom + "updated")!.Value);
        Assert.Contains("临江市", before);
    }

    [Fact]
    public async Task SelfLinksArePercentEncodedAndMatchTheAddressTheFeedIsServedAt()
    {
        var site = NewSite();
        var (factory, client) = await StartAsync(site, 3);
        using var _ = factory;

        string path = "/feeds/categories/%E4%BA%BA%E6%B0%91%E7%9B%91%E7%9D%A3/"; // 人民监督
        var rss = XDocument.Parse(await client.GetStringAsync(path + "rss.xml"));
        var rssSelf = rss.Descendants(Atom + "link").Single(l => (string?)l.Attribute("rel") == "self");
        Assert.Equal(Base + path + "rss.xml", (string?)rssSelf.Attribute("href"));

        var atom = XDocument.Parse(await client.GetStringAsync(path + "atom.xml"));
        Assert.Equal(Base + path + "atom.xml", (string?)atom.Root!.Elements(Atom + "link").Single(l => (string?)l.Attribute("rel") == "self").Attribute("href"));
        Assert.Equal(Base + path + "atom.xml", atom.Root!.Element(Atom + "id")!.Value);

        using var json = JsonDocument.Parse(await client.GetByteArrayAsync(path + "feed.json"));
        Assert.Equal(Base + path + "feed.json", json.RootElement.GetProperty("feed_url").GetString());
        Assert.DoesNotContain("人民监督/", Encoding.UTF8.GetString(await client.GetByteArrayAsync(path + "atom.xml")));
    }

    [Fact]
    public async Task JsonFeedNamesItsFirstPageAsFeedUrlOnEveryPage()
    {
        var site = NewSite();
        var settings = site.Settings(Base);
        settings["Publisher:Feeds:PageSize"] = "1";
        using var factory = new PublisherFactory(settings);
        var client = factory.CreateClient();
        await Eventually.HoldsAsync(async () => (await client.GetAsync("/feeds/feed.json?page=3")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "three pages");

        for (int page = 1; page <= 3; page++)
        {
            using var json = JsonDocument.Parse(await client.GetByteArrayAsync($"/feeds/feed.json?page={page}"));
            Assert.Equal(Base + "/feeds/feed.json", json.RootElement.GetProperty("feed_url").GetString());
            Assert.Equal(page < 3, json.RootElement.TryGetProperty("next_url", out _));
        }
    }
}
