using Publisher.Tests.Support;

namespace Publisher.Tests.Admin;

/// <summary>The articles page: what was published, with its links, and the files the watcher rejected with their reasons.</summary>
public sealed class ConsoleArticleTests : IDisposable
{
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task PublishedArticlesAndRejectedFilesAreListedWithTheirReasons()
    {
        _site.AddSeed();
        _site.AddFixture("90_reject_no_title.txt");
        await using var factory = new PublisherFactory(_site.Settings("http://feeds.example.test"));
        var browser = await ConsoleBrowser.SignedInAsync(factory);
        string html = "";
        await Eventually.HoldsAsync(async () => (html = await browser.PageAsync("/admin/articles")).Contains("90_reject_no_title.txt"),
            TimeSpan.FromSeconds(20), "the rejected file is listed");
        Assert.Contains("<a href=\"http://feeds.example.test/articles/000_8378d429204bb38c\">最高检机关党组织党建风采纪实:凝聚党员力量,激发党建活力</a>", html);
        Assert.Contains("href=\"http://feeds.example.test/feeds/categories/" + Uri.EscapeDataString("人民监督") + "/atom.xml\"", html);
        Assert.Contains("<td data-label=\"栏目\">人民监督</td>", html);
        Assert.Matches(@"<time datetime=""2020-04-30T00:00(\+|&#x2B;)08:00"">2020-04-30 00:00</time>", html);
        Assert.Matches(@"<td>90_reject_no_title.txt</td>\s*<td data-label=""原因"">[^<]*title", html);
    }
}
