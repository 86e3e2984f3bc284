using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Publisher.Tests.Support;

namespace Publisher.Tests.Articles;

/// <summary>
/// One bad file never holds up the others: every file of a run gets its own line, whatever it holds, and what can
/// be read lands.
/// </summary>
public sealed class OneBadFileTests : IDisposable
{
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    private const string Page = "当前位置：首页 > 通知公告\n{0}\n发布时间：{1}\n正文第一段。\n";

    private static string Md(string title, string date, string body = "正文。") => $"---\ntitle: {title}\ndate: {date}\n---\n{body}\n";

    [Fact]
    public async Task EveryFileGetsItsOwnLineAndDatesInOtherDigitsAreRead()
    {
        _site.Write("a-fullwidth.txt", string.Format(Page, "全角日期", "２０２４年１月５日"));
        _site.Write("b-fullwidth.md", Md("全角日期二", "２０２４-０１-０５"));
        _site.Write("c-arabic.md", Md("阿拉伯数字", "٢٠٢٤-٠١-٠٥"));
        _site.Write("d-offset.md", Md("坏时区", "2024-01-05T10:00+99:99"));
        _site.Write("e-deep-quotes.md", Md("深层引用", "2024-01-05", new string('>', 50_000) + " 正文"));
        _site.Write("f-deep-list.md", Md("深层列表", "2024-01-05", string.Concat(Enumerable.Repeat("- ", 50_000)) + "正文"));
        _site.Write("g-tab\tname.md", "");
        _site.Write("h-new\nline.md", Md("换行文件名", "2024-13-01"));
        _site.Write("z-good.md", Md("好文章", "2024-05-06"));

        var run = await PublisherProcess.RunAsync(_site, "ingest", _site.ArticlesPath);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(9, run.Lines.Length);
        Assert.All(run.Lines, l => Assert.Equal(3, l.Split('\t').Length));
        var byName = run.Lines.Select(l => l.Split('\t')).ToDictionary(p => Path.GetFileName(p[1]), p => (Outcome: p[0], Detail: p[2]));
        Assert.Equal(("added", "全角日期"), byName["a-fullwidth"]);
        Assert.Equal(("added", "全角日期二"), byName["b-fullwidth"]);
        Assert.Equal(("added", "阿拉伯数字"), byName["c-arabic"]);
        Assert.Equal(("rejected", "invalid date '2024-01-05T10:00+99:99'"), byName["d-offset.md"]);
        foreach (var deep in new[] { "e-deep-quotes.md", "f-deep-list.md" })
        {
            Assert.Equal("rejected", byName[deep].Outcome);
            Assert.Contains("nested", byName[deep].Detail);
        }
        Assert.Equal(("rejected", "empty file"), byName["g-tab name.md"]);
        Assert.Equal("rejected", byName["h-new line.md"].Outcome);
        Assert.Equal(("added", "好文章"), byName["z-good"]);

        var list = await PublisherProcess.RunAsync(_site, "articles", "list");
        Assert.Contains("a-fullwidth\t2024-01-05T00:00:00+08:00\t通知公告\t全角日期", list.Lines);
        Assert.Contains("b-fullwidth\t2024-01-05T00:00:00+08:00\t\t全角日期二", list.Lines);
        Assert.Contains("c-arabic\t2024-01-05T00:00:00+08:00\t\t阿拉伯数字", list.Lines);
    }

    [Fact]
    public async Task AnArticleTheDatabaseRefusesIsRejectedAndTheRestOfItsBatchLands()
    {
        Assert.Equal(0, (await PublisherProcess.RunAsync(_site, "articles", "list")).ExitCode); // makes the database
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_site.DataPath, "publisher.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // A refusal of the database's own (a constraint, a full disk for one row) for this one article only.
            command.CommandText = "CREATE TRIGGER refuse BEFORE INSERT ON Articles WHEN NEW.Title = '拒绝' BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END;";
            command.ExecuteNonQuery();
        }
        _site.Write("a.md", Md("第一篇", "2024-01-01"));
        _site.Write("b.md", Md("拒绝", "2024-01-02"));
        _site.Write("c.md", Md("第三篇", "2024-01-03"));

        var run = await PublisherProcess.RunAsync(_site, "ingest", _site.ArticlesPath);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(["added\ta\t第一篇", "added\tc\t第三篇"], run.Lines.Where(l => l.StartsWith("added")).Order(StringComparer.Ordinal));
        var refused = Assert.Single(run.Lines, l => l.StartsWith("rejected"));
        Assert.Contains("b.md", refused);
        Assert.Contains("refused by a trigger", refused);
        Assert.Equal(2, (await PublisherProcess.RunAsync(_site, "articles", "list")).Lines.Length);
    }

    [Fact]
    public async Task TheApiReadsDatesInOtherDigitsAndAnswers400ForImpossibleOffsetsAndDeepNesting()
    {
        using var factory = new PublisherFactory(_site.Settings());
        var admin = factory.CreateAdminClient();

        var fullWidth = await admin.PostAsJsonAsync("/api/articles", new { slug = "fw", title = "全角", publishedAt = "２０２４-０１-０５ １０:３０", contentText = "正文。" });
        Assert.Equal(HttpStatusCode.Created, fullWidth.StatusCode);
        Assert.Equal("2024-01-05T10:30:00+08:00", (await admin.GetFromJsonAsync<JsonElement>("/api/articles/fw")).GetProperty("publishedAt").GetString());
        var arabic = await admin.PostAsJsonAsync("/api/articles", new { slug = "ar", title = "阿拉伯", publishedAt = "٢٠٢٤-٠١-٠٥", contentText = "正文。" });
        Assert.Equal(HttpStatusCode.Created, arabic.StatusCode);

        foreach (var (field, article) in new (string, object)[]
                 {
                     ("publishedAt", new { title = "坏时区", publishedAt = "2024-01-05T10:00+99:99", contentText = "正文。" }),
                     ("content", new { title = "深层", publishedAt = "2024-01-05", contentMarkdown = new string('>', 50_000) + " x" }),
                 })
        {
            var response = await admin.PostAsJsonAsync("/api/articles", article);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
        }
        Assert.Equal(2, (await admin.GetFromJsonAsync<JsonElement>("/api/articles")).GetProperty("total").GetInt32());
    }
}
