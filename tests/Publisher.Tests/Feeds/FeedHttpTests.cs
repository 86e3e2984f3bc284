using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Publisher.Tests.Support;

namespace Publisher.Tests.Feeds;

/// <summary>Feeds over HTTP from the real host, checked by a real reader (feedparser) and the Atom grammar (jing).</summary>
[Trait("Db", "Both")]
public sealed class FeedHttpTests : IDisposable
{
    private const string Base = "http://feeds.example.test";
    private readonly TempSite _site = new();

    public void Dispose() => _site.Dispose();

    private async Task<(PublisherFactory Factory, HttpClient Client)> StartAsync(int expectedArticles, Dictionary<string, string?>? extra = null)
    {
        var settings = _site.Settings(Base);
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        var factory = new PublisherFactory(settings);
        var client = factory.CreateClient();
        var admin = factory.CreateAdminClient();
        await Eventually.HoldsAsync(async () =>
        {
            var stored = await admin.GetFromJsonAsync<JsonElement>("/api/articles");
            if (stored.GetProperty("total").GetInt32() != expectedArticles) return false;
            var feed = await client.GetFromJsonAsync<JsonElement>("/feeds/feed.json");
            return feed.GetProperty("items").GetArrayLength() == Math.Min(expectedArticles, int.Parse(settings.GetValueOrDefault("Publisher:Feeds:PageSize") ?? "50"));
        }, TimeSpan.FromSeconds(30), $"the watcher publishes {expectedArticles} articles");
        return (factory, client);
    }

    private void AddTypicalArticles()
    {
        _site.AddSeed();
        _site.AddFixture("01_notice_gt_datetime.txt");
        _site.AddFixture("03_fullwidth_gt_slash_date_multiline_meta.gbk.txt");
        _site.AddFixture("06_html_leftovers.txt");
        _site.AddFixture("07_control_chars.txt");
    }

    [Fact]
    public async Task FeedsAreServedWithCharsetStrongETagsAndAnswer304WhenUnchanged()
    {
        _site.AddSeed();
        var (factory, client) = await StartAsync(1);
        using var _ = factory;

        var types = new Dictionary<string, string>
        {
            ["/feeds/rss.xml"] = "application/rss+xml; charset=utf-8",
            ["/feeds/atom.xml"] = "application/atom+xml; charset=utf-8",
            ["/feeds/feed.json"] = "application/feed+json; charset=utf-8",
        };
        var etags = new HashSet<string>();
        foreach (var (path, type) in types)
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType!.ToString());
            var etag = response.Headers.ETag!;
            Assert.False(etag.IsWeak);
            etags.Add(etag.Tag);
            var lastModified = response.Content.Headers.LastModified!.Value;

            var conditional = new HttpRequestMessage(HttpMethod.Get, path);
            conditional.Headers.IfNoneMatch.Add(etag);
            Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(conditional)).StatusCode);

            var byDate = new HttpRequestMessage(HttpMethod.Get, path);
            byDate.Headers.IfModifiedSince = lastModified;
            Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(byDate)).StatusCode);

            var stale = new HttpRequestMessage(HttpMethod.Get, path);
            stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\""));
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(stale)).StatusCode);

            var older = new HttpRequestMessage(HttpMethod.Get, path);
            older.Headers.IfModifiedSince = lastModified.AddSeconds(-1);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(older)).StatusCode);
        }
        Assert.Equal(3, etags.Count); // one validator per feed, not one per site
        foreach (var missing in new[] { "/feeds/nope.xml", "/feeds", "/feeds/", "/feeds/categories/no-such/rss.xml", "/feeds/categories//rss.xml",
                     "/feeds/rss.xml/more", "/feeds/rss.xml?page=abc", "/feeds/rss.xml?page=2" })
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(missing)).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await client.PostAsync("/feeds/rss.xml", new StringContent(""))).StatusCode);
    }

    [Fact]
    public async Task EveryFeedParsesInARealReaderWithTitlesLinksDatesAndCategoriesIntact()
    {
        AddTypicalArticles();
        var (factory, client) = await StartAsync(5);
        using var _ = factory;

        foreach (var path in new[] { "/feeds/rss.xml", "/feeds/atom.xml" })
        {
            var bytes = await client.GetByteArrayAsync(path);
            var feed = await FeedReader.ParseAsync(bytes);
            Assert.Equal(path.EndsWith("rss.xml") ? "rss20" : "atom10", feed.GetProperty("version").GetString());
            var entries = feed.GetProperty("entries").EnumerateArray().ToList();
            Assert.Equal(5, entries.Count);
            var seed = entries.Single(e => e.GetProperty("title").GetString() == "最高检机关党组织党建风采纪实:凝聚党员力量,激发党建活力");
            Assert.Equal($"{Base}/articles/000_8378d429204bb38c", seed.GetProperty("link").GetString());
            Assert.Equal("tag:feeds.example.test,2020-04-30:/articles/000_8378d429204bb38c", seed.GetProperty("id").GetString());
            Assert.Equal("2020-04-29T16:00:00Z", seed.GetProperty("published_parsed_utc").GetString());
            Assert.Contains(path.EndsWith("rss.xml") ? "+0800" : "+08:00", seed.GetProperty("published").GetString());
            Assert.Contains("人民监督", seed.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            Assert.Contains("一个支部一团火", seed.GetProperty("content").GetString());
            Assert.DoesNotContain("本站部分信息", seed.GetProperty("content").GetString());
            Assert.Equal(entries.Select(e => e.GetProperty("published_parsed_utc").GetString()).OrderDescending(),
                entries.Select(e => e.GetProperty("published_parsed_utc").GetString())); // newest first
            var text = Encoding.UTF8.GetString(bytes);
            Assert.DoesNotContain("&#x", text);
            Assert.DoesNotContain("alert(", text);
        }
        await FeedReader.AssertValidAtomAsync(await client.GetByteArrayAsync("/feeds/atom.xml"));

        var category = "/feeds/categories/" + Uri.EscapeDataString("人民监督");
        var categoryRss = await FeedReader.ParseAsync(await client.GetByteArrayAsync(category + "/rss.xml"));
        Assert.Equal("最高检机关党组织党建风采纪实:凝聚党员力量,激发党建活力", categoryRss.GetProperty("entries")[0].GetProperty("title").GetString());
        Assert.Equal(1, categoryRss.GetProperty("entries").GetArrayLength());
        var categoryAtom = await client.GetByteArrayAsync(category + "/atom.xml");
        await FeedReader.AssertValidAtomAsync(categoryAtom);
        Assert.Equal(1, (await FeedReader.ParseAsync(categoryAtom)).GetProperty("entries").GetArrayLength());
    }

    [Fact]
    public async Task JsonFeedIsVersion11WithZonedDatesAndReadableChinese()
    {
        AddTypicalArticles();
        var (factory, client) = await StartAsync(5);
        using var _ = factory;

        var bytes = await client.GetByteArrayAsync("/feeds/feed.json");
        Assert.Contains("最高检机关", Encoding.UTF8.GetString(bytes));
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        Assert.Equal("https://jsonfeed.org/version/1.1", root.GetProperty("version").GetString());
        Assert.Equal($"{Base}/feeds/feed.json", root.GetProperty("feed_url").GetString());
        var seed = root.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("url").GetString()!.EndsWith("000_8378d429204bb38c"));
        Assert.Equal("2020-04-30T00:00:00+08:00", seed.GetProperty("date_published").GetString());
        Assert.Contains("人民监督", seed.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.True(seed.GetProperty("summary").GetString()!.Length <= 161);
    }

    [Fact]
    public async Task AtomIsPagedPerRfc5005PastThePageSize()
    {
        AddTypicalArticles();
        var (factory, client) = await StartAsync(5, new() { ["Publisher:Feeds:PageSize"] = "2" });
        using var _ = factory;

        var ids = new List<string>();
        for (int page = 1; page <= 3; page++)
        {
            var bytes = await client.GetByteArrayAsync(page == 1 ? "/feeds/atom.xml" : $"/feeds/atom.xml?page={page}");
            await FeedReader.AssertValidAtomAsync(bytes);
            var xml = Encoding.UTF8.GetString(bytes);
            Assert.Contains($"rel=\"first\" type=\"application/atom+xml\" href=\"{Base}/feeds/atom.xml\"", xml);
            Assert.Contains($"rel=\"last\" type=\"application/atom+xml\" href=\"{Base}/feeds/atom.xml?page=3\"", xml);
            Assert.Equal(page < 3, xml.Contains($"rel=\"next\" type=\"application/atom+xml\" href=\"{Base}/feeds/atom.xml?page={page + 1}\""));
            Assert.Equal(page > 1, xml.Contains("rel=\"prev\""));
            Assert.Equal(page > 1, xml.Contains("rel=\"previous\""));
            var feed = await FeedReader.ParseAsync(bytes);
            ids.AddRange(feed.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
        }
        Assert.Equal(5, ids.Distinct().Count());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/feeds/atom.xml?page=4")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/feeds/atom.xml?page=0")).StatusCode);
        // RSS has no paging standard: it carries the newest page.
        Assert.Equal(2, (await FeedReader.ParseAsync(await client.GetByteArrayAsync("/feeds/rss.xml"))).GetProperty("entries").GetArrayLength());
    }

    [Fact]
    public async Task AnEditedArticleKeepsItsIdAndOnlyTheFeedsItIsInChange()
    {
        string seed = _site.AddSeed();
        _site.AddFixture("01_notice_gt_datetime.txt");
        var (factory, client) = await StartAsync(2);
        using var _ = factory;

        string seedCategory = "/feeds/categories/" + Uri.EscapeDataString("人民监督") + "/atom.xml";
        string otherCategory = "/feeds/categories/" + Uri.EscapeDataString("通知公告") + "/atom.xml";
        var before = await FeedReader.ParseAsync(await client.GetByteArrayAsync("/feeds/atom.xml"));
        var seedEtag = (await client.GetAsync(seedCategory)).Headers.ETag!.Tag;
        var otherEtag = (await client.GetAsync(otherCategory)).Headers.ETag!.Tag;

        File.WriteAllText(seed, File.ReadAllText(seed).Replace("最高检机关党组织党建风采纪实:凝聚党员力量,激发党建活力\n", "最高检机关党组织党建风采纪实(修订版)\n"));
        await Eventually.HoldsAsync(async () => (await client.GetStringAsync("/feeds/atom.xml")).Contains("(修订版)"),
            TimeSpan.FromSeconds(20), "the edited title is published");

        var after = await FeedReader.ParseAsync(await client.GetByteArrayAsync("/feeds/atom.xml"));
        string IdOf(JsonElement feed, string titleStart) => feed.GetProperty("entries").EnumerateArray()
            .Single(e => e.GetProperty("title").GetString()!.StartsWith(titleStart)).GetProperty("id").GetString()!;
        Assert.Equal(IdOf(before, "最高检机关党组织党建风采纪实"), IdOf(after, "最高检机关党组织党建风采纪实"));
        Assert.NotEqual(seedEtag, (await client.GetAsync(seedCategory)).Headers.ETag!.Tag);
        Assert.Equal(otherEtag, (await client.GetAsync(otherCategory)).Headers.ETag!.Tag);
    }

    [Fact]
    public async Task AFileDroppedIntoTheArticlesFolderIsPublishedWithinSeconds()
    {
        _site.AddSeed();
        var (factory, client) = await StartAsync(1, new() { ["Publisher:Articles:RescanSeconds"] = "600" });
        using var _ = factory;

        var started = DateTime.UtcNow;
        _site.Write("new.md", "---\ntitle: 新文章\ndate: 2030-01-01 08:00\ncategory: 要闻\n---\n刚刚发布的正文。");
        await Eventually.HoldsAsync(async () => (await client.GetStringAsync("/feeds/rss.xml")).Contains("新文章"),
            TimeSpan.FromSeconds(10), "the watcher publishes a new file without waiting for the rescan");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Contains("新文章", await client.GetStringAsync("/feeds/categories/" + Uri.EscapeDataString("要闻") + "/atom.xml"));
    }

    [Fact]
    public async Task AnEditOfAnArticleDatedInTheFutureIsPublishedAndStaysWhenOthersChangeTheSamePage()
    {
        // Its UpdatedUtc stays its publication time through an edit, so only its content says it changed.
        _site.AddSeed();
        var (factory, client) = await StartAsync(1);
        using var _ = factory;
        const string head = "---\ntitle: 未来的文章\ndate: 2031-01-01 08:00\ncategory: 要闻\n---\n";
        _site.Write("future.md", head + "第一版正文。");
        await Eventually.HoldsAsync(async () => (await client.GetStringAsync("/feeds/atom.xml")).Contains("第一版正文"), TimeSpan.FromSeconds(10), "published");
        _site.Write("future.md", head + "第二版正文。");
        await Eventually.HoldsAsync(async () => (await client.GetStringAsync("/feeds/atom.xml")).Contains("第二版正文"), TimeSpan.FromSeconds(10),
            "the edit is published");
        // Another article on the same first pages: the edited one is not taken back to an older copy.
        _site.Write("other.md", "---\ntitle: 另一篇\ndate: 2030-06-01 08:00\ncategory: 要闻\n---\n正文。");
        await Eventually.HoldsAsync(async () => (await client.GetStringAsync("/feeds/atom.xml")).Contains("另一篇"), TimeSpan.FromSeconds(10), "the other one");
        foreach (var path in new[] { "/feeds/atom.xml", "/feeds/rss.xml", "/feeds/categories/" + Uri.EscapeDataString("要闻") + "/atom.xml" })
        {
            string feed = await client.GetStringAsync(path);
            Assert.Contains("第二版正文", feed);
            Assert.DoesNotContain("第一版正文", feed);
        }
    }

    [Fact]
    public async Task ExportWritesTheSameBytesHttpServes()
    {
        AddTypicalArticles();
        var (factory, client) = await StartAsync(5);
        using var _ = factory;

        string dir = Path.Combine(_site.Root, "export");
        var run = await PublisherProcess.RunAsync(_site, "feeds", "export", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Stderr);

        var files = Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/')).Order().ToList();
        Assert.Contains("rss.xml", files);
        Assert.Contains("atom.xml", files);
        Assert.Contains("feed.json", files);
        Assert.Contains("categories/人民监督/rss.xml", files);
        foreach (var file in files)
        {
            string url = "/feeds/" + string.Join('/', file.Split('/').Select(Uri.EscapeDataString));
            Assert.Equal(await client.GetByteArrayAsync(url), await File.ReadAllBytesAsync(Path.Combine(dir, file)));
        }
    }
}
