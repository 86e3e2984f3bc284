using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Publisher.Articles;
using Publisher.Tests.Feeds;
using Publisher.Tests.Support;

namespace Publisher.Tests.Articles;

/// <summary>
/// Characters XML 1.0 forbids can arrive after the bytes were cleaned: YAML escapes, entities in a posted summary, rows
/// written by an older version or by hand. None may reach the XML writer, and one article the writer cannot write must
/// not stop the feeds of all the others.
/// </summary>
public sealed class ControlCharacterTests : IDisposable
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    private const string EscapedFrontMatter = """
        ---
        title: "ctrl \x01 t"
        date: 2024-01-05
        category: "类\x02别"
        author: "作\x85者"
        source: "来\0源"
        summary: "摘\x1b要"
        tags: ["标\x07签", "正常"]
        ---
        正文。
        """;

    [Fact]
    public void YamlEscapesDecodeToNoForbiddenCharacterInAnyField()
    {
        var read = MarkdownArticleParser.Parse(EscapedFrontMatter, Shanghai);
        var draft = read.Draft ?? throw new Xunit.Sdk.XunitException(read.Error);

        Assert.Equal("ctrl t", draft.Title);
        foreach (var field in new[] { draft.Title, draft.Category, draft.Author, draft.Source, draft.Summary, draft.BodyHtml, draft.BodyText }.Concat(draft.Tags))
            Assert.True(FeedReader.IsXmlSafe(field), $"'{field}' holds a character XML forbids");
        Assert.Equal("类别", draft.Category);
        Assert.Equal(["标签", "正常"], draft.Tags);
    }

    [Fact]
    public async Task AControlCharacterInFrontMatterLeavesEveryFeedValidAndExportWorking()
    {
        _site.Write("escaped.md", EscapedFrontMatter);
        _site.AddSeed();

        var ingest = await PublisherProcess.RunAsync(_site, "ingest", _site.ArticlesPath);
        Assert.Equal(0, ingest.ExitCode);
        Assert.Contains("added\tescaped\tctrl t", ingest.Lines);

        string export = Path.Combine(_site.Root, "export");
        var run = await PublisherProcess.RunAsync(_site, "feeds", "export", "--out", export);
        Assert.True(run.ExitCode == 0, run.Stderr);
        await AssertFeedsValidAsync(Path.Combine(export, "rss.xml"), Path.Combine(export, "atom.xml"), Path.Combine(export, "feed.json"), "ctrl t", 2);
    }

    [Fact]
    public async Task AnEntityThatDecodesToAControlCharacterInAPostedSummaryIsStoredCleanedAndPublished()
    {
        using var factory = new PublisherFactory(_site.Settings());
        var admin = factory.CreateAdminClient();

        var response = await admin.PostAsJsonAsync("/api/articles", new
        {
            slug = "entity", title = "实体", publishedAt = "2024-06-01 10:00", contentText = "正文。",
            summary = "摘&#1;要&#x1B;", category = "类&#2;别",
        });

        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var stored = await admin.GetFromJsonAsync<JsonElement>("/api/articles/entity");
        Assert.True(FeedReader.IsXmlSafe(stored.GetProperty("summary").GetString()));
        var client = factory.CreateClient();
        var atom = await client.GetByteArrayAsync("/feeds/atom.xml");
        await FeedReader.AssertValidAtomAsync(atom);
        Assert.Contains("实体", Encoding.UTF8.GetString(atom));
    }

    [Fact]
    public async Task RowsAlreadyInTheDatabaseAreCleanedOnReadAndOneTheWriterCannotWriteIsLeftOutAndNamed()
    {
        using (var first = new PublisherFactory(_site.Settings()))
        {
            var admin = first.CreateAdminClient();
            foreach (var (slug, title) in new[] { ("good", "好文章"), ("dirty", "脏标题"), ("broken", "坏时区") })
                Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/articles",
                    new { slug, title, publishedAt = "2024-06-01 10:00", contentText = "正文。", category = "要闻" })).StatusCode);
        }
        // What an older version, a hand edit or another tool may have left: forbidden characters, an offset no clock has.
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_site.DataPath, "publisher.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE Articles SET Title = '脏' || char(1) || '标题', Summary = '摘' || char(27) || '要', Category = '要' || char(2) || '闻',
                    Author = 'a' || char(0) || 'b', BodyHtml = '<p>正' || char(11) || '文</p>', Tags = 't' || char(8)
                WHERE Slug = 'dirty';
                UPDATE Articles SET PublishedOffsetMinutes = 6039 WHERE Slug = 'broken';
                """;
            command.ExecuteNonQuery();
        }

        var logs = new LogSink();
        using var factory = new PublisherFactory(_site.Settings()).WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        var client = factory.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(60);

        foreach (var path in new[] { "/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json", "/feeds/categories/要闻/atom.xml" })
        {
            string text = Encoding.UTF8.GetString(await client.GetByteArrayAsync(path));
            Assert.Contains("好文章", text);
            Assert.Contains("脏标题", text);
            Assert.DoesNotContain("坏时区", text);
        }
        await FeedReader.AssertAllValidAsync(await client.GetByteArrayAsync("/feeds/rss.xml"), await client.GetByteArrayAsync("/feeds/atom.xml"),
            await client.GetByteArrayAsync("/feeds/feed.json"), "脏标题", 2);
        Assert.Contains(logs.Messages(LogLevel.Warning), m => m.Contains("'broken'"));

        // The start-up warm-up skips a page it cannot write and goes on with the others (it threw at the first, every round,
        // and warmed nothing after it): here the broken article is on all six ready pages (site and 要闻, three formats).
        // It tries no more than it is given, and nothing once told to stop.
        var store = factory.Services.GetRequiredService<Publisher.Feeds.FeedStore>();
        Assert.Equal((0, 6), store.WarmUp(int.MaxValue, () => false));
        Assert.Equal((0, 0), store.WarmUp(int.MaxValue, () => true));
        var (some, someFailed) = store.WarmUp(2, () => false);
        Assert.Equal(2, some + someFailed);

        var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        string page = await home.Content.ReadAsStringAsync();
        Assert.Contains("好文章", page);
        Assert.Contains("脏标题", page);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/articles/dirty")).StatusCode);
    }

    private static async Task AssertFeedsValidAsync(string rss, string atom, string json, string title, int items) =>
        await FeedReader.AssertAllValidAsync(await File.ReadAllBytesAsync(rss), await File.ReadAllBytesAsync(atom), await File.ReadAllBytesAsync(json), title, items);
}
