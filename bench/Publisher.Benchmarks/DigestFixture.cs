using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Publisher.Articles;
using Publisher.Digests;
using Publisher.Subscribers;
using Publisher.Templates;

namespace Publisher.Benchmarks;

/// <summary>What the digest benchmarks share: options for a Chinese site, the services that render and personalize a digest, articles.</summary>
public static class DigestFixture
{
    public const string BaseUrl = "https://news.example.cn";

    public static PublisherOptions Options(string from)
    {
        var options = new PublisherOptions { Secret = "benchmark-secret-benchmark-secret-0123456789" };
        options.Site.Title = "政务公开";
        options.Site.BaseUrl = BaseUrl;
        options.Smtp.From = from;
        return options;
    }

    /// <summary>The composer and what it needs; <paramref name="more"/> adds a benchmark's own.</summary>
    public static ServiceProvider Services(PublisherOptions options, Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(Microsoft.Extensions.Options.Options.Create(options))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(HtmlEncoder.Create(UnicodeRanges.All))
            .AddSingleton<Publisher.Data.SharedSecrets>() // with Secret set, nothing is read from or written to DataPath
            .AddSingleton<SubscriberTokens>()
            .AddSingleton<EmailRenderer>()
            .AddSingleton<DigestComposer>();
        more?.Invoke(services);
        return services.BuildServiceProvider();
    }

    /// <summary><paramref name="count"/> Chinese articles with summaries, an hour apart, in two categories.</summary>
    public static List<Article> Articles(int count)
    {
        var published = new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.FromHours(8));
        return Enumerable.Range(1, count).Select(i => new Article
        {
            Id = i, Slug = $"article-{i}", SourceKey = $"api:article-{i}", ContentHash = "", BodyHtml = "", BodyText = "",
            Title = $"第{i}篇：关于做好今冬明春供暖保障和安全生产工作的通知",
            Summary = string.Concat(Enumerable.Repeat("为切实做好今冬明春供暖保障工作，确保群众温暖过冬，现将有关事项通知如下。", 3)),
            Category = i % 2 == 0 ? "通知公告" : "人民监督",
            PublishedUtc = published.UtcDateTime.AddHours(-i), PublishedOffsetMinutes = 480,
        }).ToList();
    }
}
