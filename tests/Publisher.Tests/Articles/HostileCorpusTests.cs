using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using MimeKit;
using Publisher.Tests.Feeds;
using Publisher.Tests.Support;

namespace Publisher.Tests.Articles;

/// <summary>
/// The standing attack suite for articles: a corpus of hostile files (the small ones in <c>Articles/Hostile/</c>, the large
/// and strange ones made here) goes through the <c>ingest</c> verb and then through the running service's watcher. Each
/// file is rejected with a reason or published cleaned; afterwards every feed is valid and still updates, and nothing a
/// browser would run reaches a feed, a page or a mail.
/// </summary>
public sealed class HostileCorpusTests : IDisposable
{
    private readonly TempSite _site = new();
    private string? _fifo;

    public void Dispose()
    {
        // A reader the watcher left waiting on the pipe gets its end of file, and its thread is free again.
        if (_fifo is not null && File.Exists(_fifo))
            Task.Run(() => { using var _ = new FileStream(_fifo, FileMode.Open, FileAccess.Write); }).Wait(TimeSpan.FromSeconds(5));
        _site.Dispose();
    }

    private static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();
    private static string Md(string title, string date, string body) => $"---\ntitle: {title}\ndate: {date}\n---\n{body}\n";

    /// <summary>Every file of the corpus, and what the ingest line must say: "added", a fragment of the rejection's reason, or "either".</summary>
    private async Task<Dictionary<string, string>> WriteCorpusAsync()
    {
        var expected = new Dictionary<string, string>
        {
            ["script-page.txt"] = "added", ["script.md"] = "added", ["unclosed.txt"] = "added", ["fullwidth-date.txt"] = "added",
            ["fullwidth-date.md"] = "added", ["ctrl-yaml.md"] = "added", ["ctrl-raw.txt"] = "added",
        };
        foreach (var name in expected.Keys) _site.CopyIn(RepoPaths.Fixture("Articles", "Hostile", name));

        void Add(string name, string outcome, byte[] bytes) { _site.Write(name, bytes); expected[name] = outcome; }
        void AddText(string name, string outcome, string text) => Add(name, outcome, Encoding.UTF8.GetBytes(text));

        Add("binary.txt", "binary file, not text", [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3E, 0]);
        using (var huge = new FileStream(Path.Combine(_site.ArticlesPath, "huge.txt"), FileMode.Create)) huge.SetLength(50L * 1024 * 1024);
        expected["huge.txt"] = "file too large";
        AddText("deep-divs.txt", "HTML nested deeper than 500", "当前位置：首页 > 通知\n深层嵌套\n发布时间：2024-01-05\n" + Repeat("<div>", 40_000) + "正文");
        AddText("deep-bold.md", "HTML nested deeper than 500", Md("深层加粗", "2024-01-05", Repeat("<b>", 100_000) + "正文"));
        AddText("deep-quotes.md", "Markdown nested deeper than 500", Md("深层引用", "2024-01-05", Repeat(">", 50_000) + " 正文"));
        AddText("wide.md", "elements side by side", Md("很宽", "2024-01-05", "<div>" + Repeat("一行<br>", 20_000) + "</div>"));
        AddText("long-title.md", "title longer than 500 characters", Md(Repeat("长", 5_000), "2024-01-05", "正文。"));
        AddText("bad-offset.md", "invalid date", Md("坏时区", "2024-01-05T10:00+99:99", "正文。"));
        AddText("arabic-date.md", "added", Md("阿拉伯数字日期", "٢٠٢٤-٠١-٠٩", "正文。"));
        // UTF-8 bytes of a lone surrogate (CESU-8), and a UTF-16 file holding one.
        Add("lone-surrogate.txt", "either", [.. Encoding.UTF8.GetBytes("当前位置：首页 > 通知\n孤立代理项"), 0xED, 0xA0, 0x80, .. Encoding.UTF8.GetBytes("\n发布时间：2024-01-10\n正文。\n")]);
        Add("lone-surrogate-utf16.txt", "not valid UTF-16", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("当前位置：首页 > 通知\n标题"), 0x00, 0xD8, .. Encoding.Unicode.GetBytes("\n发布时间：2024-01-10\n正文。")]);
        // A page whose head is UTF-8 and whose body is GBK: not valid UTF-8, so read as GB18030 (the head then reads as mojibake, but cleanly).
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        Add("mixed-encoding.txt", "either", [.. Encoding.UTF8.GetBytes("当前位置：首页 > 通知\n混合编码\n发布时间：2024-01-11\n"), .. Encoding.GetEncoding("GBK").GetBytes("正文是GBK编码的。\n")]);

        _fifo = Path.Combine(_site.ArticlesPath, "pipe.md");
        var (code, _, stderr) = await ExternalTool.RunAsync("/usr/bin/mkfifo", _fifo);
        Assert.True(code == 0, stderr);
        expected["pipe.md"] = "not read within";
        File.CreateSymbolicLink(Path.Combine(_site.ArticlesPath, "zero.txt"), "/dev/zero");
        expected["zero.txt"] = "file too large";
        return expected;
    }

    private Dictionary<string, string?> Settings()
    {
        var settings = _site.Settings();
        settings["Publisher:Articles:ReadTimeout"] = "00:00:03";
        return settings;
    }

    [Fact]
    public async Task EveryHostileFileIsRejectedWithAReasonOrPublishedCleanAndTheFeedsStayValidAndKeepUpdating()
    {
        var expected = await WriteCorpusAsync();

        // 1. The verb: a line per file, whatever it holds.
        var run = await PublisherProcess.RunAsync(_site, ["ingest", _site.ArticlesPath, "--Publisher:Articles:ReadTimeout=00:00:03"]);
        Assert.Equal(1, run.ExitCode);
        var lines = run.Lines.Select(l => l.Split('\t')).ToList();
        Assert.All(lines, l => Assert.Equal(3, l.Length));
        Assert.Equal(expected.Count, lines.Count);
        foreach (var (file, outcome) in expected)
        {
            string slug = Path.GetFileNameWithoutExtension(file);
            var line = lines.SingleOrDefault(l => Path.GetFileName(l[1]) == file || l[1] == slug);
            Assert.True(line is not null, $"no line for {file}:\n{run.Stdout}");
            if (outcome == "added") Assert.True(line[0] == "added", $"{file}: {string.Join(" | ", line)}");
            else if (outcome == "either") Assert.True(line[0] == "added" || (line[0] == "rejected" && line[2].Length > 0), $"{file}: {string.Join(" | ", line)}");
            else
            {
                Assert.True(line[0] == "rejected", $"{file}: {string.Join(" | ", line)}");
                Assert.Contains(outcome, line[2]);
            }
        }
        int added = lines.Count(l => l[0] == "added");

        // 2. The service: its watcher meets the corpus again (the rejected files are read again at start) and goes on.
        var logs = new LogSink();
        using var factory = new PublisherFactory(Settings()).WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        var client = factory.CreateClient();
        var admin = factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", TempSite.AdminKey);
        await Eventually.HoldsAsync(async () => logs.Messages(LogLevel.Warning).Any(m => m.Contains("pipe.md")), TimeSpan.FromSeconds(60),
            "the watcher gives up on the pipe");

        // 3. The API's share of the corpus: 400 or stored clean, never 500.
        foreach (var article in new object[]
                 {
                     new { slug = "api-surrogate", title = "孤立\ud800代理", publishedAt = "2024-01-12", contentText = "正文\udc00。" },
                     new { slug = "api-cdata", title = "]]> <![CDATA[", publishedAt = "２０２４-０１-１２", contentHtml = "<p>]]&gt;<script>alert(1)</script></p>" },
                     new { slug = "api-entities", title = "实体", publishedAt = "2024-01-12", contentHtml = "<p>&#1;&#x1B;&#xFFFE;正文<a href=\"jav&#x0A;ascript:alert(1)\">x</a></p>", summary = "&#1;摘要" },
                     new { slug = "api-deep", title = "深", publishedAt = "2024-01-12", contentHtml = Repeat("<b>", 100_000) },
                     new { slug = "api-offset", title = "时区", publishedAt = "2024-01-12T10:00+99:99", contentText = "正文。" },
                 })
        {
            var response = await admin.PostAsJsonAsync("/api/articles", article);
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            if (response.StatusCode == HttpStatusCode.Created) added++;
        }

        // 4. It keeps updating: a plain article written after the corpus is published.
        _site.Write("zz-normal.md", Md("语料之后的正常文章", "2030-01-01", "正常的正文。"));
        added++;
        await Eventually.HoldsAsync(async () => (await client.GetStringAsync("/feeds/feed.json")).Contains("语料之后的正常文章"), TimeSpan.FromSeconds(60),
            "the article written after the corpus is in the feed");

        // 5. Every feed is valid and holds every article that was taken in.
        var rss = await client.GetByteArrayAsync("/feeds/rss.xml");
        var atom = await client.GetByteArrayAsync("/feeds/atom.xml");
        var json = await client.GetByteArrayAsync("/feeds/feed.json");
        await FeedReader.AssertAllValidAsync(rss, atom, json, "语料之后的正常文章", added);
        foreach (var category in JsonDocument.Parse(await admin.GetStringAsync("/api/articles?pageSize=500")).RootElement.GetProperty("items")
                     .EnumerateArray().Select(i => i.GetProperty("category").GetString()).OfType<string>().Distinct())
        {
            var slug = Uri.EscapeDataString(Publisher.Articles.Slugs.From(category));
            await FeedReader.AssertValidAtomAsync(await client.GetByteArrayAsync($"/feeds/categories/{slug}/atom.xml"));
            await FeedReader.ParseAsync(await client.GetByteArrayAsync($"/feeds/categories/{slug}/rss.xml"));
        }

        // 6. Nothing a browser would run, in the feeds' HTML, the pages or a mail.
        foreach (var (where, html) in FeedHtml(rss, atom, json)) Assert.True(ExecutableContent.In(html).Count == 0, $"{where}: {string.Join(", ", ExecutableContent.In(html))}\n{html}");
        var slugs = JsonDocument.Parse(await admin.GetStringAsync("/api/articles?pageSize=500")).RootElement.GetProperty("items")
            .EnumerateArray().Select(i => i.GetProperty("slug").GetString()!).ToList();
        foreach (var path in slugs.Select(s => "/articles/" + Uri.EscapeDataString(s)).Append("/"))
        {
            string page = await client.GetStringAsync(path);
            Assert.True(ExecutableContent.In(page, wholePage: true).Count == 0, $"{path}: {string.Join(", ", ExecutableContent.In(page, wholePage: true))}");
        }
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/lists", new { name = "news", description = "要闻" })).StatusCode);
        Assert.True((await admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent("email,name\nreader@example.org,读者"))).IsSuccessStatusCode);
        Assert.NotNull(await DigestApi.SendNowAsync(admin));
        var mails = Directory.GetFiles(Path.Combine(_site.DataPath, "outbox"), "*.eml");
        Assert.NotEmpty(mails);
        foreach (var file in mails)
        {
            var mail = await MimeMessage.LoadAsync(file);
            string html = mail.HtmlBody ?? "";
            Assert.True(ExecutableContent.In(html, wholePage: true).Count == 0, $"{file}: {string.Join(", ", ExecutableContent.In(html, wholePage: true))}");
            Assert.True(FeedReader.IsXmlSafe(mail.HtmlBody) && FeedReader.IsXmlSafe(mail.TextBody) && FeedReader.IsXmlSafe(mail.Subject));
        }
        Assert.DoesNotContain(logs.Messages(LogLevel.Error), m => m.Contains("feeds", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void TheCheckerFindsWhatABrowserWouldRun()
    {
        Assert.Empty(ExecutableContent.In("<p>正文 <a href=\"https://example.org/\">链接</a> javascript: 只是文字</p>"));
        foreach (var html in new[] { "<script>x</script>", "<img src=x onerror=alert(1)>", "<a href=\"java\tscript:alert(1)\">x</a>",
                     "<iframe src=\"https://evil.example\"></iframe>", "<a href=\"data:text/html,x\">x</a>", "<div style=\"background:url(javascript:x)\">x</div>" })
            Assert.NotEmpty(ExecutableContent.In(html));
    }

    /// <summary>The HTML each feed carries (content and summaries), decoded from its XML or JSON.</summary>
    private static IEnumerable<(string Where, string Html)> FeedHtml(byte[] rss, byte[] atom, byte[] json)
    {
        XNamespace content = "http://purl.org/rss/1.0/modules/content/", a = "http://www.w3.org/2005/Atom";
        foreach (var item in XDocument.Parse(Encoding.UTF8.GetString(rss)).Descendants("item"))
        {
            yield return ("rss content:encoded", (string?)item.Element(content + "encoded") ?? "");
            yield return ("rss description", (string?)item.Element("description") ?? "");
        }
        foreach (var entry in XDocument.Parse(Encoding.UTF8.GetString(atom)).Descendants(a + "entry"))
            foreach (var element in entry.Elements().Where(e => (string?)e.Attribute("type") is "html"))
                yield return ($"atom {element.Name.LocalName}", element.Value);
        foreach (var item in JsonDocument.Parse(json).RootElement.GetProperty("items").EnumerateArray())
            yield return ("json content_html", item.GetProperty("content_html").GetString()!);
    }
}
