using System.Text;
using Publisher.Articles;
using Publisher.Tests.Feeds;
using Publisher.Tests.Support;
using Publisher.Text;

namespace Publisher.Tests.Fuzzing;

/// <summary>
/// The readers of untrusted text, fuzzed for a fixed number of inputs from a fixed seed (a few seconds each, the same
/// inputs on every run) over the sample files and the test fixtures. A reader may refuse an input, with a one-line reason;
/// it may not throw, and what it accepts is clean: a title within its limit, no character XML forbids, nothing a browser would run.
/// </summary>
public class ReaderFuzzTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static List<byte[]> Samples(params string[] extensions) =>
        new[] { RepoPaths.Seeds, RepoPaths.Fixture("Articles", "Pages"), RepoPaths.Fixture("Articles", "Hostile") }
            .SelectMany(Directory.EnumerateFiles)
            .Where(f => extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)) && !f.EndsWith(".expected.json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();

    private static void AssertClean(ArticleRead read)
    {
        if (read.Draft is not { } draft)
        {
            Assert.False(string.IsNullOrWhiteSpace(read.Error));
            Assert.DoesNotContain('\n', read.Error);
            return;
        }
        Assert.InRange(draft.Title.Length, 1, ArticleFields.MaxTitleLength);
        foreach (var text in new[] { draft.Title, draft.Category, draft.Author, draft.Source, draft.Summary, draft.BodyHtml, draft.BodyText, draft.Slug }.Concat(draft.Tags))
            Assert.True(FeedReader.IsXmlSafe(text), $"a character XML forbids in '{text}'");
        Assert.True(draft.PublishedAt.Offset.Duration() <= TimeSpan.FromHours(14));
        Assert.Empty(ExecutableContent.In(draft.BodyHtml));
    }

    [Fact]
    public Task TheScrapedPageReaderRefusesOrReadsCleanlyWhateverTheBytes() =>
        Fuzz.RunAsync("scraped-page", seed: 20261203, inputs: 2000, Samples(".txt"), bytes =>
        {
            if (!TextFileDecoder.TryDecode(bytes, out var text, out var error))
            {
                Assert.False(string.IsNullOrWhiteSpace(error));
                return;
            }
            AssertClean(ScrapedPageParser.Parse(text, Shanghai));
        });

    [Fact]
    public Task TheMarkdownReaderRefusesOrReadsCleanlyWhateverTheBytes() =>
        Fuzz.RunAsync("markdown", seed: 20261204, inputs: 1500, Samples(".md").Append(Encoding.UTF8.GetBytes(
            "---\ntitle: 标题\ndate: 2024-01-05 10:00+08:00\ntags: [a, b]\nsummary: \"摘要\"\nslug: x\n---\n# 标题\n\n- 一\n  - 二\n\n> 引用\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")).ToList(), bytes =>
        {
            if (!TextFileDecoder.TryDecode(bytes, out var text, out _)) return;
            AssertClean(MarkdownArticleParser.Parse(text, Shanghai));
        });

    [Fact]
    public Task TheDateReaderRefusesOrReadsAPossibleDateWhateverTheText() =>
        Fuzz.RunAsync("dates", seed: 20261205, inputs: 5000, new[]
        {
            "2023-11-02 15:20", "2016/09/30", "2021.03.15", "2018年6月1日 8时30分", "2024-01-05T10:00:00+08:00", "2024-01-05T10:00Z",
            "２０２４年１月５日", "２０２４－０１－０５　１０：３０", "٢٠٢٤-٠١-٠٥", "发布时间：2023-05-21 08:45　来源：办公室", "2024-01-05 10:00 -0530",
        }.Select(Encoding.UTF8.GetBytes).ToList(), bytes =>
        {
            string value = Encoding.UTF8.GetString(bytes);
            if (!ArticleDates.TryParse(value, Shanghai, out var date)) return;
            Assert.InRange(date.Year, 1899, 2201);
            Assert.True(date.Offset.Duration() <= TimeSpan.FromHours(14));
        });
}
