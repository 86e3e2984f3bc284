using System.Text.Json;
using Publisher.Tests.Support;

namespace Publisher.Tests.Articles;

/// <summary>The <c>ingest</c> and <c>articles list</c> verbs, run as a real process against a real SQLite file.</summary>
public class IngestVerbTests
{
    [Fact]
    public async Task IngestIsIdempotentAndAnEditedFileKeepsItsIdentity()
    {
        using var site = new TempSite();
        string seed = site.AddSeed();

        var first = await PublisherProcess.RunAsync(site, "ingest", site.ArticlesPath);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(["added\t000_8378d429204bb38c\t最高检机关党组织党建风采纪实:凝聚党员力量,激发党建活力"], first.Lines);
        string idBefore = await ArticleId(site);

        var again = await PublisherProcess.RunAsync(site, "ingest", site.ArticlesPath);
        Assert.Equal(0, again.ExitCode);
        Assert.StartsWith("unchanged\t000_8378d429204bb38c\t", again.Lines.Single());

        File.WriteAllText(seed, File.ReadAllText(seed).Replace("一个支部一团火", "一个支部一团火(修订)"));
        var edited = await PublisherProcess.RunAsync(site, "ingest", seed);
        Assert.Equal(0, edited.ExitCode);
        Assert.StartsWith("updated\t000_8378d429204bb38c\t", edited.Lines.Single());
        Assert.Equal(idBefore, await ArticleId(site));

        var list = await PublisherProcess.RunAsync(site, "articles", "list");
        Assert.Equal(["000_8378d429204bb38c\t2020-04-30T00:00:00+08:00\t人民监督\t最高检机关党组织党建风采纪实:凝聚党员力量,激发党建活力"], list.Lines);
    }

    private static async Task<string> ArticleId(TempSite site)
    {
        // The stable id is what feeds publish; read it the way a reader would, from the JSON Feed.
        var export = Path.Combine(site.Root, "export-" + Guid.NewGuid().ToString("N"));
        var result = await PublisherProcess.RunAsync(site, "feeds", "export", "--out", export);
        Assert.Equal(0, result.ExitCode);
        using var feed = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(export, "feed.json")));
        return feed.RootElement.GetProperty("items")[0].GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task BadFilesAreRejectedWithAReasonWhileEveryGoodArticleInTheSameRunLands()
    {
        using var site = new TempSite();
        site.AddSeed();
        site.AddFixture("02_double_gt_cn_date_share.txt");
        site.Write("empty.txt", "");
        site.Write("binary.txt", [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0, 1, 2, 3]);
        site.Write("huge.txt", new byte[50 * 1024 * 1024]);
        site.Write("no-title.txt", "这是一段没有标题、没有日期、也没有面包屑的文字。\n又一段文字。");
        site.Write("bad-date.txt", "当前位置：首页 > 通知\n标题\n发布时间：2023-13-45\n正文。");
        site.Write("broken.md", "---\ntitle: [oops\ndate: 2024-01-01\n---\n正文");
        site.Write("good.md", "---\ntitle: 好文章\ndate: 2024-05-06\ncategory: 要闻\n---\n正文。");

        var run = await PublisherProcess.RunAsync(site, "ingest", site.ArticlesPath);

        Assert.Equal(1, run.ExitCode);
        var byFile = run.Lines.Select(l => l.Split('\t')).ToDictionary(p => Path.GetFileName(p[1]), p => (Outcome: p[0], Detail: p[2]));
        Assert.Equal(("rejected", "empty file"), byFile["empty.txt"]);
        Assert.Equal(("rejected", "binary file, not text"), byFile["binary.txt"]);
        Assert.Equal("rejected", byFile["huge.txt"].Outcome);
        Assert.Contains("file too large", byFile["huge.txt"].Detail);
        Assert.Equal("rejected", byFile["no-title.txt"].Outcome);
        Assert.Contains("title", byFile["no-title.txt"].Detail);
        Assert.Equal(("rejected", "invalid date '2023-13-45'"), byFile["bad-date.txt"]);
        Assert.Equal("rejected", byFile["broken.md"].Outcome);
        Assert.Contains("broken front matter", byFile["broken.md"].Detail);
        Assert.Equal("added", byFile["000_8378d429204bb38c"].Outcome);
        Assert.Equal("added", byFile["02_double_gt_cn_date_share"].Outcome);
        Assert.Equal("added", byFile["good"].Outcome);
        foreach (var name in new[] { "empty.txt", "binary.txt", "huge.txt", "no-title.txt", "bad-date.txt", "broken.md" })
            Assert.Contains(name, run.Stderr);

        var list = await PublisherProcess.RunAsync(site, "articles", "list", "--json");
        using var json = JsonDocument.Parse(list.Stdout);
        Assert.Equal(3, json.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task AFileThatTurnsBadIsRejectedAndTheStoredArticleStaysAsItWas()
    {
        using var site = new TempSite();
        string seed = site.AddSeed();
        Assert.Equal(0, (await PublisherProcess.RunAsync(site, "ingest", seed)).ExitCode);

        File.WriteAllText(seed, "");
        var run = await PublisherProcess.RunAsync(site, "ingest", seed);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("rejected\t", run.Lines.Single());

        var list = await PublisherProcess.RunAsync(site, "articles", "list");
        Assert.Contains("最高检机关党组织党建风采纪实", list.Stdout);
    }

    [Fact]
    public async Task UsageErrorsExitWithTwo()
    {
        using var site = new TempSite();
        var missing = await PublisherProcess.RunAsync(site, "ingest", Path.Combine(site.Root, "nowhere"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no such file or folder", missing.Stderr);

        var unknown = await PublisherProcess.RunAsync(site, "frobnicate");
        Assert.Equal(2, unknown.ExitCode);

        var badConfig = await PublisherProcess.RunAsync(site, "articles", "list", "--Publisher:Feeds:PageSize=0");
        Assert.Equal(2, badConfig.ExitCode);
        Assert.Contains("Publisher:Feeds:PageSize", badConfig.Stderr);
    }
}
