using System.Net;
using System.Text.RegularExpressions;
using Publisher.Tests.Support;

namespace Publisher.Tests.Pages;

public sealed class PagesTests : IDisposable
{
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task TheHomeAndArticlePagesAreChineseHtmlWithFeedAutodiscovery()
    {
        _site.AddSeed();
        using var factory = new PublisherFactory(_site.Settings("http://feeds.example.test"));
        var client = factory.CreateClient();
        await Eventually.HoldsAsync(async () => (await client.GetStringAsync("/")).Contains("最高检机关"), TimeSpan.FromSeconds(20), "the seed is on the home page");

        var home = await client.GetAsync("/");
        Assert.Equal("text/html", home.Content.Headers.ContentType!.MediaType);
        // Nothing on a page may run, frame it or learn its (token-bearing) URL from a Referer.
        Assert.Contains("default-src 'none'", home.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("frame-ancestors 'none'", home.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", home.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", home.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("same-origin", home.Headers.GetValues("Referrer-Policy").Single());
        foreach (var path in new[] { "/", "/articles/000_8378d429204bb38c", "/healthz" })
        {
            // Link checkers and some readers ask with HEAD first: the same answer, without a body.
            var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
            Assert.True(head.StatusCode == HttpStatusCode.OK, $"HEAD {path}: {(int)head.StatusCode}");
        }
        var feed = await client.GetAsync("/feeds/rss.xml");
        Assert.Equal("nosniff", feed.Headers.GetValues("X-Content-Type-Options").Single());
        string html = await home.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"zh-CN\">", html);
        // Razor's encoder always writes '+' as &#x2B; in attributes; browsers read it back as '+'.
        Assert.Matches(@"<link rel=""alternate"" type=""application/rss(\+|&#x2B;)xml""", html);
        Assert.Contains("href=\"http://feeds.example.test/feeds/atom.xml\"", html);
        Assert.Matches(@"type=""application/feed(\+|&#x2B;)json""", html);
        Assert.Contains("href=\"http://feeds.example.test/articles/000_8378d429204bb38c\"", html);
        Assert.DoesNotMatch(@"&#x[4-9A-F][0-9A-F]{3};", html); // Chinese as characters, not references

        string article = await client.GetStringAsync("/articles/000_8378d429204bb38c");
        Assert.Contains("<h1>最高检机关党组织党建风采纪实:凝聚党员力量,激发党建活力</h1>", article);
        Assert.Contains("<p>一个支部一团火", article);
        Assert.Matches(@"datetime=""2020-04-30T00:00:00(\+|&#x2B;)08:00""", article);
        Assert.Contains("/feeds/categories/" + Uri.EscapeDataString("人民监督") + "/rss.xml", article);
        Assert.DoesNotContain("本站部分信息", article);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/articles/no-such-article")).StatusCode);
    }

    [Fact]
    public async Task ARealBrowserRendersTheHomePageWithTheArticleTitles()
    {
        _site.AddSeed();
        _site.AddFixture("01_notice_gt_datetime.txt");
        await using var service = await ServiceProcess.StartAsync(_site);
        using var http = new HttpClient();
        await Eventually.HoldsAsync(async () => (await http.GetStringAsync(service.BaseUrl + "/")).Contains("临江市"), TimeSpan.FromSeconds(20), "articles are on the home page");

        string profile = Path.Combine(_site.Root, "chromium-profile");
        var (code, dom, stderr) = await ExternalTool.RunAsync("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            $"--user-data-dir={profile}", "--dump-dom", service.BaseUrl + "/");

        Assert.True(code == 0, stderr);
        Assert.Contains("最高检机关党组织党建风采纪实:凝聚党员力量,激发党建活力", dom);
        Assert.Contains("临江市人民政府办公室关于做好2023年冬季供暖保障工作的通知", dom);
        // Newest first: the 2023 notice stands above the 2020 article.
        Assert.True(dom.IndexOf("临江市", StringComparison.Ordinal) < dom.IndexOf("最高检机关", StringComparison.Ordinal));
        Assert.Matches(new Regex("<title>[^<]+</title>"), dom);
    }
}
