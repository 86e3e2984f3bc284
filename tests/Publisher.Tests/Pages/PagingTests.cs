using System.Net;
using System.Text.RegularExpressions;
using Publisher.Tests.Support;

namespace Publisher.Tests.Pages;

/// <summary>The home page and the category pages walk through every article, a page at a time.</summary>
[Trait("Db", "Both")]
public sealed class PagingTests : IDisposable
{
    private const string Base = "http://feeds.example.test";
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    private async Task<HttpClient> StartAsync(PublisherFactory factory, int articles)
    {
        for (int i = 1; i <= articles; i++)
        {
            string category = i % 3 == 0 ? "通知公告" : "政务动态";
            _site.Write($"a{i:00}.md", $"---\ntitle: 第{i}号文章\ndate: 2024-01-{(i % 28) + 1:00} {i % 24:00}:00\ncategory: {category}\n---\n正文{i}。");
        }
        var client = factory.CreateClient();
        await Eventually.HoldsAsync(async () => (await client.GetAsync("/?page=2")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "a second page");
        return client;
    }

    private static int Listed(string html) => Regex.Matches(html, "<li>\\s*<h2>").Count;

    [Fact]
    public async Task TheHomePagePagesThroughAllArticlesWithNextAndPrevLinks()
    {
        using var factory = new PublisherFactory(_site.Settings(Base));
        var client = await StartAsync(factory, 70);

        string first = await client.GetStringAsync("/");
        Assert.Equal(30, Listed(first));
        Assert.Contains($"<link rel=\"next\" href=\"{Base}/?page=2\" />", first);
        Assert.DoesNotContain("rel=\"prev\"", first);
        string second = await client.GetStringAsync("/?page=2");
        Assert.Equal(30, Listed(second));
        Assert.Contains($"<link rel=\"prev\" href=\"{Base}/\" />", second);
        Assert.Contains($"<link rel=\"next\" href=\"{Base}/?page=3\" />", second);
        string third = await client.GetStringAsync("/?page=3");
        Assert.Equal(10, Listed(third));
        Assert.DoesNotContain("rel=\"next\"", third);
        var titles = Regex.Matches(first + second + third, "第(\\d+)号文章</a>").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(70, titles.Distinct().Count());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/?page=4")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/?page=0")).StatusCode);

        // The categories, with their pages and their feeds.
        string politics = Uri.EscapeDataString("政务动态"), notices = Uri.EscapeDataString("通知公告");
        Assert.Contains($"href=\"{Base}/categories/{politics}\">政务动态</a> <span class=\"count\">(47)</span>", first);
        Assert.Contains($"href=\"{Base}/categories/{notices}\">通知公告</a> <span class=\"count\">(23)</span>", first);
        Assert.Contains($"href=\"{Base}/feeds/categories/{notices}/atom.xml\"", first);
    }

    [Fact]
    public async Task ACategoryPageListsItsArticlesWithItsOwnFeedDiscovery()
    {
        using var factory = new PublisherFactory(_site.Settings(Base));
        var client = await StartAsync(factory, 70);
        string notices = Uri.EscapeDataString("通知公告");

        var response = await client.GetAsync($"/categories/{notices}");
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        string html = await response.Content.ReadAsStringAsync();
        Assert.Equal(23, Listed(html));
        Assert.DoesNotContain("第1号文章", html); // 1 is in 政务动态
        Assert.Contains("第3号文章", html);
        foreach (var (type, file) in new[] { ("rss", "rss.xml"), ("atom", "atom.xml"), ("feed", "feed.json") })
            Assert.Matches($"<link rel=\"alternate\" type=\"application/{type}(\\+|&#x2B;)(xml|json)\" title=\"[^\"]*通知公告[^\"]*\" href=\"{Regex.Escape($"{Base}/feeds/categories/{notices}/{file}")}\"", html);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/categories/no-such-category")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/categories/{notices}?page=2")).StatusCode);

        string politics = Uri.EscapeDataString("政务动态");
        Assert.Contains($"<link rel=\"next\" href=\"{Base}/categories/{politics}?page=2\" />", await client.GetStringAsync($"/categories/{politics}"));
        Assert.Equal(17, Listed(await client.GetStringAsync($"/categories/{politics}?page=2")));
    }
}
