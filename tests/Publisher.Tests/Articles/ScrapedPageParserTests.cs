using Publisher.Text;
using System.Text;
using System.Text.Json;
using Publisher.Articles;
using Publisher.Tests.Support;

namespace Publisher.Tests.Articles;

public class ScrapedPageParserTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static ArticleDraft ParseFile(string path)
    {
        Assert.True(TextFileDecoder.TryDecode(File.ReadAllBytes(path), out var text, out var error), error);
        var read = ScrapedPageParser.Parse(text, Shanghai);
        Assert.True(read.Draft is not null, read.Error);
        return read.Draft!;
    }

    [Fact]
    public void TheSeedComesOutWithItsTitleDateCategoryAndBodyAndNoChrome()
    {
        var draft = ParseFile(Path.Combine(RepoPaths.Seeds, "000_8378d429204bb38c.txt"));

        Assert.Equal("最高检机关党组织党建风采纪实:凝聚党员力量,激发党建活力", draft.Title);
        Assert.Equal(new DateTimeOffset(2020, 4, 30, 0, 0, 0, TimeSpan.FromHours(8)), draft.PublishedAt);
        Assert.Equal(TimeSpan.FromHours(8), draft.PublishedAt.Offset);
        Assert.Equal("人民监督", draft.Category);
        Assert.Null(draft.Author);
        Assert.Null(draft.Source);
        var paragraphs = draft.BodyText.Split('\n');
        Assert.Equal("凝聚党员力量,激发党建活力", paragraphs[0]);
        Assert.Equal("——最高检机关党组织党建风采纪实", paragraphs[1]);
        Assert.EndsWith("让人民群众满意。", paragraphs[^1]);
        foreach (var chrome in new[] { "政讯通中心", "当前所在", "本站部分信息", "版权所有", "010-57028685", "砖塔胡同", "举报", "时间:" })
        {
            Assert.DoesNotContain(chrome, draft.BodyText, StringComparison.Ordinal);
            Assert.DoesNotContain(chrome, draft.BodyHtml, StringComparison.Ordinal);
            Assert.DoesNotContain(chrome, draft.Title, StringComparison.Ordinal);
        }
        Assert.StartsWith("<p>凝聚党员力量,激发党建活力</p>", draft.BodyHtml);
    }

    public static TheoryData<string> Pages()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(RepoPaths.Fixture("Articles", "Pages"), "*.txt").Order()) data.Add(Path.GetFileName(file));
        return data;
    }

    private sealed record Expected(string? Title, DateTimeOffset? Date, string? Category, string? Author, string? Source,
        string? FirstParagraph, string? LastParagraph, int? ParagraphCount, string[]? MustNotContain, bool Rejected, string? ReasonContains);

    [Theory]
    [MemberData(nameof(Pages))]
    public void VariedScrapedPagesComeOutAsTheirExpectedJsonSays(string file)
    {
        string path = RepoPaths.Fixture("Articles", "Pages", file);
        string expectedPath = Path.Combine(Path.GetDirectoryName(path)!, file.Replace(".gbk.txt", ".txt").Replace(".txt", ".expected.json"));
        var expected = JsonSerializer.Deserialize<Expected>(File.ReadAllText(expectedPath), JsonSerializerOptions.Web)!;

        Assert.True(TextFileDecoder.TryDecode(File.ReadAllBytes(path), out var text, out var decodeError), decodeError);
        var read = ScrapedPageParser.Parse(text, Shanghai);
        if (expected.Rejected)
        {
            Assert.Null(read.Draft);
            Assert.Contains(expected.ReasonContains!, read.Error, StringComparison.OrdinalIgnoreCase);
            return;
        }
        Assert.True(read.Draft is not null, read.Error);
        var draft = read.Draft!;
        Assert.Equal(expected.Title, draft.Title);
        Assert.Equal(expected.Date, draft.PublishedAt);
        Assert.Equal(expected.Date!.Value.Offset, draft.PublishedAt.Offset);
        Assert.Equal(expected.Category, draft.Category);
        Assert.Equal(expected.Author, draft.Author);
        Assert.Equal(expected.Source, draft.Source);
        var paragraphs = draft.BodyText.Split('\n');
        Assert.Equal(expected.FirstParagraph, paragraphs[0]);
        Assert.Equal(expected.LastParagraph, paragraphs[^1]);
        Assert.Equal(expected.ParagraphCount, paragraphs.Length);
        foreach (var chrome in expected.MustNotContain ?? [])
        {
            Assert.DoesNotContain(chrome, draft.Title, StringComparison.Ordinal);
            Assert.DoesNotContain(chrome, draft.BodyText, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("<script", draft.BodyHtml, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("alert(", draft.BodyText);
        Assert.Equal(draft.BodyText, XmlSafeText.Clean(draft.BodyText));
    }

    [Theory]
    [InlineData("您现在的位置：首页 > 政务公开 > 通知公告", "通知公告")]
    [InlineData("当前所在: 网站首页>> 人民监督 >>正文", "人民监督")]
    [InlineData("当前位置：首页＞新闻中心＞部门动态＞正文内容", "部门动态")]
    [InlineData("您当前的位置：首页 » 新闻中心 » 乡镇动态 » 详情", "乡镇动态")]
    [InlineData("当前位置：首页 / 政策解读", "政策解读")]
    [InlineData("当前位置：首页 > 正文", null)]
    [InlineData("网站首页 - 政务公开 - 通知公告", "通知公告")]
    [InlineData("首页 — 政策文件 — 政策解读", "政策解读")]
    [InlineData("首页 – 互动交流 – 在线访谈", "在线访谈")]
    [InlineData("Current Location: Home > 新闻中心 > 公示公告", "公示公告")]
    public void TheCategoryIsTheLastRealBreadcrumbSegment(string breadcrumb, string? category) =>
        Assert.Equal(category, ScrapedPageParser.CategoryFrom(breadcrumb));

    [Theory]
    [InlineData("首页 > 新闻中心 > 工作动态", true)]
    [InlineData("网站首页>>部门动态>>正文", true)]
    [InlineData("网站首页 - 政务公开 - 通知公告", true)]
    [InlineData("首页 → 新闻动态", true)]
    [InlineData("Home > News > 要闻动态", true)]
    [InlineData("首页 | 政务公开 | 政务服务 | 互动交流", false)] // a nav bar
    [InlineData("首页-新闻中心", false)] // an unspaced hyphen joins words, it does not separate segments
    [InlineData("首页 > 会议指出，要坚持问题导向，强化统筹协调，切实保障人民群众切身利益。", false)] // a sentence
    [InlineData("首页", false)]
    [InlineData("首页设计大赛圆满落幕", false)]
    public void ABreadcrumbWithoutALabelIsKnownByItsShape(string line, bool isBreadcrumb) =>
        Assert.Equal(isBreadcrumb, ScrapedPageParser.IsBreadcrumbByShape(line));

    [Theory]
    [InlineData("2018年6月1日", "2018-06-01T00:00:00+08:00")]
    [InlineData("2016/09/30", "2016-09-30T00:00:00+08:00")]
    [InlineData("2023-11-02 15:20", "2023-11-02T15:20:00+08:00")]
    [InlineData("2021.03.15", "2021-03-15T00:00:00+08:00")]
    [InlineData("2019-7-5", "2019-07-05T00:00:00+08:00")]
    [InlineData("2022年11月3日 16:45", "2022-11-03T16:45:00+08:00")]
    [InlineData("2024-02-29T10:00:00Z", "2024-02-29T10:00:00+00:00")]
    [InlineData("2024-01-02T03:04:05-05:00", "2024-01-02T03:04:05-05:00")]
    public void DatesInTheFormsChineseSitesWriteThemAreRead(string text, string iso)
    {
        Assert.True(ArticleDates.TryParse(text, Shanghai, out var date));
        var expected = DateTimeOffset.Parse(iso);
        Assert.Equal(expected, date);
        Assert.Equal(expected.Offset, date.Offset);
    }

    [Theory]
    [InlineData("2023-13-45")]
    [InlineData("2023-02-30")]
    [InlineData("2023-01-01 25:00")]
    [InlineData("去年夏天")]
    public void ImpossibleDatesAreNotRead(string text) => Assert.False(ArticleDates.TryParse(text, Shanghai, out _));

    [Fact]
    public void AMetaLineWithAnInvalidDateRejectsThePageNamingTheDate()
    {
        var read = ScrapedPageParser.Parse("当前位置：首页 > 通知\n标题\n发布时间：2023-02-30 来源：本网\n正文第一段。", Shanghai);
        Assert.Null(read.Draft);
        Assert.Equal("invalid date '2023-02-30'", read.Error);
    }

    [Fact]
    public void ChromeBetweenTitleAndBodyIsDroppedButDoesNotEndTheBody()
    {
        string page = "当前位置：首页 > 要闻\n标题行\n时间：2020-01-02 【字体：大 中 小】\n【打印本页】【关闭窗口】\n第一段。\n第二段。\n【打印本页】【关闭窗口】\n地址：某市某路1号\n";
        var draft = ScrapedPageParser.Parse(page, Shanghai).Draft!;
        Assert.Equal("第一段。\n第二段。", draft.BodyText);
        Assert.Equal("要闻", draft.Category);
    }

    [Fact]
    public void LeftoverHtmlIsReducedToTextWithScriptsAndStylesGone()
    {
        string page = "当前位置：首页 > 要闻\n<h1>标题 &amp; 副题</h1>\n时间：2020-01-02\n<p>第一段<b>加粗</b>。</p><script>alert('x')</script><style>p{color:red}</style>\n<p onclick=\"evil()\">第二段</p>";
        var draft = ScrapedPageParser.Parse(page, Shanghai).Draft!;
        Assert.Equal("标题 & 副题", draft.Title);
        Assert.Equal("第一段加粗。\n第二段", draft.BodyText);
        Assert.Equal("<p>第一段加粗。</p>\n<p>第二段</p>\n", draft.BodyHtml);
    }

    [Fact]
    public void MarkupCharactersInScrapedTextAreEscapedNotPublishedAsMarkup()
    {
        var draft = ScrapedPageParser.Parse("当前位置：首页 > 要闻\n标题\n时间：2020-01-02\n“1 < 2”与 a&b 的比较", Shanghai).Draft!;
        Assert.Equal("<p>“1 &lt; 2”与 a&amp;b 的比较</p>\n", draft.BodyHtml);
    }
}
