using Publisher.Articles;

namespace Publisher.Tests.Articles;

public class MarkdownArticleParserTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [Fact]
    public void FrontMatterGivesTheFieldsAndTheBodyIsSanitizedHtml()
    {
        const string md = """
            ---
            title: 关于开展“护苗”专项行动的通知
            date: 2024-03-01 09:30
            category: 通知公告
            tags: [未成年人, 网络安全]
            author: 王五
            summary: 一句话摘要。
            ---
            各有关单位：

            现将有关事项通知如下。<script>alert(1)</script><img src=x onerror="alert(2)">

            [链接](javascript:alert(3))
            """;
        var read = MarkdownArticleParser.Parse(md, Shanghai);
        var draft = read.Draft ?? throw new Xunit.Sdk.XunitException(read.Error);
        Assert.Equal("关于开展“护苗”专项行动的通知", draft.Title);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 9, 30, 0, TimeSpan.FromHours(8)), draft.PublishedAt);
        Assert.Equal("通知公告", draft.Category);
        Assert.Equal(["未成年人", "网络安全"], draft.Tags);
        Assert.Equal("王五", draft.Author);
        Assert.Equal("一句话摘要。", draft.Summary);
        Assert.Contains("<p>各有关单位：</p>", draft.BodyHtml);
        Assert.DoesNotContain("script", draft.BodyHtml);
        Assert.DoesNotContain("onerror", draft.BodyHtml);
        Assert.DoesNotContain("javascript:", draft.BodyHtml);
    }

    [Theory]
    [InlineData("---\ntitle: [unclosed\ndate: 2024-01-01\n---\nbody", "broken front matter")]
    [InlineData("---\ntitle: x\ndate: 2024-01-01\nbody without a closing line", "broken front matter")]
    [InlineData("---\ntitle: x\ndate: 2024-13-01\n---\nbody", "invalid date")]
    [InlineData("---\ntitle: x\n---\nbody", "no date")]
    [InlineData("---\ndate: 2024-01-01\n---\nbody only", "no title")]
    [InlineData("---\n- a\n- b\n---\nbody", "broken front matter")]
    public void BrokenMarkdownIsRejectedWithAOneLineReason(string md, string reason)
    {
        var read = MarkdownArticleParser.Parse(md, Shanghai);
        Assert.Null(read.Draft);
        Assert.Contains(reason, read.Error);
        Assert.DoesNotContain('\n', read.Error!);
    }

    [Fact]
    public void WithoutATitleInFrontMatterTheFirstHeadingIsTheTitle()
    {
        var draft = MarkdownArticleParser.Parse("---\ndate: 2024-01-01\n---\n# 标题\n\n正文。", Shanghai).Draft!;
        Assert.Equal("标题", draft.Title);
        Assert.Equal("<p>正文。</p>\n", draft.BodyHtml);
    }
}
