using Microsoft.Extensions.DependencyInjection;
using Publisher.Feeds;
using Publisher.Tests.Support;

namespace Publisher.Tests.Feeds;

/// <summary>Without Site:BaseUrl, links follow only the allowed hosts; a Host header from anyone else changes nothing.</summary>
public sealed class HostHeaderTests : IDisposable
{
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    private async Task<PublisherFactory> StartAsync(string? allowedHosts = null)
    {
        _site.AddSeed();
        var settings = _site.Settings(baseUrl: null);
        if (allowedHosts is not null) settings["Publisher:Site:AllowedHosts"] = allowedHosts;
        var factory = new PublisherFactory(settings);
        var client = factory.CreateClient();
        await Eventually.HoldsAsync(async () => (await client.GetStringAsync("/feeds/rss.xml")).Contains("最高检机关"), TimeSpan.FromSeconds(30), "published");
        return factory;
    }

    private static async Task<string> GetAsync(PublisherFactory factory, string host, string path)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Host = host;
        return await client.GetStringAsync(path);
    }

    [Fact]
    public async Task UnknownHostsGetTheListenAddressesLinksAndMakeNoCacheEntries()
    {
        using var factory = await StartAsync();
        var pages = factory.Services.GetRequiredService<FeedStore>().Pages;
        int cached = pages.Count;

        for (int i = 1; i <= 12; i++)
            foreach (var path in new[] { "/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json", "/feeds/categories/%E4%BA%BA%E6%B0%91%E7%9B%91%E7%9D%A3/rss.xml" })
            {
                string body = await GetAsync(factory, $"evil{i}.example", path);
                Assert.DoesNotContain("evil", body);
                Assert.Contains("http://127.0.0.1:5080/articles/000_8378d429204bb38c", body);
            }
        Assert.Equal(cached, pages.Count);
        foreach (var path in new[] { "/", "/articles/000_8378d429204bb38c", "/categories/%E4%BA%BA%E6%B0%91%E7%9B%91%E7%9D%A3" })
        {
            string html = await GetAsync(factory, "evil.example", path);
            Assert.DoesNotContain("evil.example", html);
            Assert.Contains("http://127.0.0.1:5080/feeds/rss.xml", html);
        }

        // localhost on the port served is one of the service's own names: its links follow it, built once.
        Assert.Contains("http://localhost:5080/articles/000_8378d429204bb38c", await GetAsync(factory, "localhost:5080", "/feeds/rss.xml"));
        Assert.Contains("http://localhost:5080/articles/000_8378d429204bb38c", await GetAsync(factory, "LOCALHOST:5080", "/feeds/rss.xml"));
        Assert.Equal(cached + 1, pages.Count);
    }

    [Fact]
    public async Task ConfiguredAllowedHostsReplaceTheDefaults()
    {
        using var factory = await StartAsync("news.example.org, news.example.org:8443");
        Assert.Contains("http://news.example.org/articles/000_8378d429204bb38c", await GetAsync(factory, "news.example.org", "/feeds/atom.xml"));
        Assert.Contains("http://news.example.org:8443/feeds/rss.xml", await GetAsync(factory, "news.example.org:8443", "/"));
        Assert.Contains("http://127.0.0.1:5080/articles/000_8378d429204bb38c", await GetAsync(factory, "localhost:5080", "/feeds/atom.xml"));
        Assert.Contains("http://127.0.0.1:5080/articles/000_8378d429204bb38c", await GetAsync(factory, "news.example.org.evil.example", "/feeds/atom.xml"));
    }

    [Fact]
    public async Task AnAllowedHostsEntryThatIsNoHostStopsTheStartNamingTheKey()
    {
        var run = await PublisherProcess.RunAsync(_site, "articles", "list", "--Publisher:Site:AllowedHosts=http://x.example/");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Publisher:Site:AllowedHosts", run.Stderr);
    }
}
