using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using Publisher.Articles;
using Publisher.Feeds;

namespace Publisher.Tests.Feeds;

/// <summary>Serializing and compressing feed documents outside a host: the bytes, whatever their size.</summary>
public sealed class FeedBuilderTests
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    private static List<Article> Articles(int count, int bodyChars) => Enumerable.Range(1, count).Select(i => new Article
    {
        Id = i, Slug = $"a-{i}", SourceKey = $"a-{i}.md", ContentHash = "h", Title = $"第{i}篇", Summary = "摘要",
        BodyHtml = "<p>" + new string('政', bodyChars) + "</p>", BodyText = "", Category = "要闻", CategorySlug = "要闻",
        PublishedUtc = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(-i), PublishedOffsetMinutes = 480,
        FirstPublishedOn = new DateOnly(2026, 1, 1), UpdatedUtc = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(-i),
    }).ToList();

    private static byte[] Build(FeedFormat format, List<Article> articles) =>
        new FeedBuilder(new SiteOptions { Title = "站点" }).Build(
            new FeedPage(new FeedKey(null, format), "站点", articles, 1, new SiteLinks("http://feeds.example.test"), "feeds.example.test"));

    private static int Items(FeedFormat format, byte[] bytes) => format switch
    {
        FeedFormat.Rss => XDocument.Load(new MemoryStream(bytes)).Descendants("item").Count(),
        FeedFormat.Atom => XDocument.Load(new MemoryStream(bytes)).Descendants(Atom + "entry").Count(),
        _ => JsonDocument.Parse(bytes).RootElement.GetProperty("items").GetArrayLength(),
    };

    [Theory]
    [InlineData(FeedFormat.Rss)]
    [InlineData(FeedFormat.Atom)]
    [InlineData(FeedFormat.Json)]
    public void APageLargerThanAMegabyteIsWrittenWholeAndTheSameEachTime(FeedFormat format)
    {
        var articles = Articles(50, 20_000); // 60 KB of UTF-8 each: 3 MB
        var bytes = Build(format, articles);

        Assert.True(bytes.Length > 3_000_000, $"{bytes.Length} bytes");
        Assert.Equal(50, Items(format, bytes));
        Assert.Equal(bytes, Build(format, articles));
    }

    [Theory]
    [InlineData(FeedFormat.Rss)]
    [InlineData(FeedFormat.Atom)]
    [InlineData(FeedFormat.Json)]
    public void ASmallPageIsWrittenWhole(FeedFormat format)
    {
        var bytes = Build(format, Articles(3, 100));
        Assert.Equal(3, Items(format, bytes));
        Assert.Equal(bytes, Build(format, Articles(3, 100)));
    }

    [Fact]
    public void DocumentsCompressedTogetherAreTheDocumentsCompressedOneByOne()
    {
        var sources = FeedFormats.All.SelectMany(f => new[] { Build(f, Articles(50, 700)), Build(f, Articles(2, 50)) })
            .Select(b => (Bytes: b, ContentType: "application/rss+xml; charset=utf-8", LastModified: DateTimeOffset.UnixEpoch)).ToList();

        var together = FeedDocument.CreateAll(sources);

        Assert.Equal(sources.Count, together.Length);
        for (int i = 0; i < sources.Count; i++)
        {
            var alone = FeedDocument.Create(sources[i].Bytes, sources[i].ContentType, sources[i].LastModified);
            Assert.Equal(alone.ETag, together[i].ETag);
            Assert.Equal(alone.Gzip.Bytes, together[i].Gzip.Bytes);
            Assert.Equal(alone.Brotli.Bytes, together[i].Brotli.Bytes);
            Assert.Equal(sources[i].Bytes, Decompress(new GZipStream(new MemoryStream(together[i].Gzip.Bytes), CompressionMode.Decompress)));
            Assert.Equal(sources[i].Bytes, Decompress(new BrotliStream(new MemoryStream(together[i].Brotli.Bytes), CompressionMode.Decompress)));
        }
    }

    private static byte[] Decompress(Stream stream)
    {
        using var output = new MemoryStream();
        using (stream) stream.CopyTo(output);
        return output.ToArray();
    }
}
