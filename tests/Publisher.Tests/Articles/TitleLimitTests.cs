using Publisher.Articles;
using Publisher.Tests.Support;

namespace Publisher.Tests.Articles;

/// <summary>A title is a line a reader can take in: front matter is held to the API's 500 characters, a page's title line to 150.</summary>
[Trait("Db", "Both")]
public sealed class TitleLimitTests : IDisposable
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    [Theory]
    [InlineData(500, null)]
    [InlineData(501, "title longer than 500 characters (501)")]
    [InlineData(5_000, "title longer than 500 characters (5,000)")]
    public void FrontMatterTitlesAreCappedLikeTheApis(int length, string? reason)
    {
        var read = MarkdownArticleParser.Parse($"---\ntitle: {new string('长', length)}\ndate: 2024-01-05\n---\n正文。", Shanghai);
        Assert.Equal(reason, read.Error);
        if (reason is null) Assert.Equal(length, read.Draft!.Title.Length);
    }

    [Fact]
    public void AHeadingUsedAsTitleIsCappedToo()
    {
        var read = MarkdownArticleParser.Parse($"---\ndate: 2024-01-05\n---\n# {new string('长', 600)}\n\n正文。", Shanghai);
        Assert.Equal("title longer than 500 characters (600)", read.Error);
    }

    [Fact]
    public void APageWhoseTitleLineIsTooLongIsRejectedSayingSo()
    {
        var read = ScrapedPageParser.Parse($"当前位置：首页 > 通知公告\n{new string('长', 5_000)}\n发布时间：2024-01-05\n正文。", Shanghai);
        Assert.Null(read.Draft);
        Assert.Equal("no title: the line above the meta line has 5,000 characters, more than a title's 150", read.Error);
    }

    [Fact]
    public async Task TheIngestVerbNamesTheReasonAndStoresNothingOfTheFile()
    {
        _site.Write("long.md", $"---\ntitle: {new string('长', 5_000)}\ndate: 2024-01-05\n---\n正文。");
        var run = await PublisherProcess.RunAsync(_site, "ingest", _site.ArticlesPath);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"rejected\t{Path.Combine("articles", "long.md")}\ttitle longer than 500 characters (5,000)", run.Lines.Single());
        Assert.Empty((await PublisherProcess.RunAsync(_site, "articles", "list")).Lines);
    }
}
