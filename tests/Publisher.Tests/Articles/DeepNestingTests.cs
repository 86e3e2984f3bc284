using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Publisher.Articles;
using Publisher.Tests.Support;

namespace Publisher.Tests.Articles;

/// <summary>
/// HTML parsers and the sanitizer take time that grows with the square of how deep (and how wide) markup nests; such
/// input is refused before any parser sees it, and what is refused is named in the reason.
/// </summary>
public sealed class DeepNestingTests : IDisposable
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private const string PageHead = "当前位置：首页 > 通知公告\n标题\n发布时间：2024-01-05\n";
    private const string FrontMatter = "---\ntitle: 标题\ndate: 2024-01-05\n---\n";
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    private static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

    [Fact]
    public void FortyThousandNestedDivsInAScrapedPageAreRejectedBeforeParsing()
    {
        var read = ScrapedPageParser.Parse(PageHead + Repeat("<div>", 40_000) + "正文", Shanghai);
        Assert.Null(read.Draft);
        Assert.StartsWith("HTML nested deeper than 500 elements", read.Error);
    }

    [Fact]
    public void FiftyThousandNestedDivsOfRawHtmlInMarkdownAreRejectedBeforeParsing()
    {
        var read = MarkdownArticleParser.Parse(FrontMatter + Repeat("<div>", 50_000) + "正文", Shanghai);
        Assert.Null(read.Draft);
        Assert.StartsWith("HTML nested deeper than 500 elements", read.Error);
    }

    [Theory]
    [InlineData(">")]
    [InlineData("- ")]
    [InlineData("1. ")]
    [InlineData("  ")]
    public void MarkdownNestedFiftyThousandDeepIsRejectedBeforeRendering(string level)
    {
        var read = MarkdownArticleParser.Parse(FrontMatter + Repeat(level, 50_000) + "正文", Shanghai);
        Assert.Null(read.Draft);
        Assert.StartsWith("Markdown nested deeper than 500", read.Error);
    }

    [Fact]
    public void ManyElementsSideBySideInOneElementAreRejected()
    {
        var read = MarkdownArticleParser.Parse(FrontMatter + "<div>" + Repeat("一行<br>\n", 100_000) + "</div>", Shanghai);
        Assert.Null(read.Draft);
        Assert.StartsWith("HTML with more than 10,000 elements side by side", read.Error);
    }

    [Fact]
    public void NestingWithinTheLimitAndSloppyRealMarkupAreRead()
    {
        var deep = ScrapedPageParser.Parse(PageHead + Repeat("<div>", 450) + "正文" + Repeat("</div>", 450), Shanghai);
        Assert.Equal("正文", deep.Draft?.BodyText);
        // Unclosed paragraphs and list items close each other, as in a browser: ten thousand of them are not 10,000 deep.
        var sloppy = MarkdownArticleParser.Parse(FrontMatter + "<ul>" + Repeat("<li>项<p>段", 5_000) + "</ul>\n\n" + Repeat("<p>段\n", 10_000), Shanghai);
        Assert.True(sloppy.Draft is not null, sloppy.Error);
        Assert.DoesNotContain("<li><li>", sloppy.Draft!.BodyHtml);
    }

    [Fact]
    public void ALongFlatMarkdownFileIsReadInLinearTime()
    {
        // 4.5 MB of paragraphs: the sanitizer alone took 28 s over them in one piece, 25 times as long as over a fifth of them.
        const string paragraph = "这是正文的一段文字，用来测试很长的文件。这是正文的一段文字，用来测试很长的文件。\n\n";
        TimeSpan Fastest(int paragraphs)
        {
            string text = FrontMatter + Repeat(paragraph, paragraphs);
            var best = TimeSpan.MaxValue;
            for (int run = 0; run < 2; run++) // the faster of two, so a burst of other work on the machine weighs less
            {
                var watch = Stopwatch.StartNew();
                var read = MarkdownArticleParser.Parse(text, Shanghai);
                watch.Stop();
                Assert.Equal(paragraphs, read.Draft?.BodyText.Split('\n').Length);
                if (watch.Elapsed < best) best = watch.Elapsed;
            }
            return best;
        }
        MarkdownArticleParser.Parse(FrontMatter + "正文", Shanghai); // the first parse pays for loading and compiling
        var fifth = Fastest(20_000);
        var whole = Fastest(100_000);
        Assert.True(whole < fifth * 10 + TimeSpan.FromSeconds(1), $"a fifth took {fifth.TotalSeconds:N1} s, the whole {whole.TotalSeconds:N1} s");
    }

    [Fact]
    public async Task DeeplyNestedOrTooWideHtmlPostedToTheApiIs400AndStoresNothing()
    {
        using var factory = new PublisherFactory(_site.Settings());
        var admin = factory.CreateAdminClient();
        foreach (var html in new[] { Repeat("<b>", 100_000) + "正文", "<div>" + Repeat("一行<br>", 60_000) + "</div>" })
        {
            var response = await admin.PostAsJsonAsync("/api/articles", new { title = "深", publishedAt = "2024-01-05", contentHtml = html });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.StartsWith("HTML ", errors.GetProperty("content")[0].GetString());
        }
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/articles")).GetProperty("total").GetInt32());
    }
}
