using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using Publisher.Articles;
using Publisher.Digests;
using Publisher.Email;
using Publisher.Subscribers;
using Publisher.Templates;
using Publisher.Tests.Support;

namespace Publisher.Tests.Email;

/// <summary>
/// A digest is encoded once and spliced per recipient (8bit parts written as they are). The spliced mail must be
/// the same mail MimeKit builds from the strings, and must fall back to 7 bits where the server wants them.
/// </summary>
public sealed class SplicedDigestTests : IAsyncDisposable
{
    private const string BaseUrl = "https://news.example.cn";
    private readonly ServiceProvider _services;
    private readonly DigestComposer _composer;

    public SplicedDigestTests()
    {
        var options = new PublisherOptions { Secret = "spliced-digest-tests-secret-0123456789abcdef" };
        options.Site.Title = "政务公开";
        options.Site.BaseUrl = BaseUrl;
        options.Smtp.From = "政务公开 <digest@news.example.cn>";
        _services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(Options.Create(options))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(HtmlEncoder.Create(UnicodeRanges.All))
            .AddSingleton<Publisher.Data.SharedSecrets>()
            .AddSingleton<SubscriberTokens>()
            .AddSingleton<EmailRenderer>()
            .AddSingleton<DigestComposer>()
            .BuildServiceProvider();
        _composer = _services.GetRequiredService<DigestComposer>();
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private Task<DigestComposer.Rendered> RenderAsync(string summary = "为切实做好今冬明春供暖保障工作，确保群众温暖过冬，现将有关事项通知如下。") =>
        _composer.RenderAsync(new MailingList { Id = 1, Name = "news", Description = "政务要闻" },
            Enumerable.Range(1, 20).Select(i => new Article
            {
                Id = i, Slug = $"article-{i}", SourceKey = $"api:article-{i}", ContentHash = "", BodyHtml = "", BodyText = "",
                Title = $"第{i}篇：关于做好今冬明春供暖保障工作的通知 <&>", Summary = summary, Category = "通知公告",
                PublishedUtc = new DateTime(2026, 11, 27, 1, 0, 0, DateTimeKind.Utc), PublishedOffsetMinutes = 480,
            }).ToList(), 3, BaseUrl, new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero));

    private static byte[] Wire(MimeMessage message, EncodingConstraint constraint = EncodingConstraint.EightBit)
    {
        message.Prepare(constraint);
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        using var stream = new MemoryStream();
        message.WriteTo(options, stream);
        return stream.ToArray();
    }

    [Fact]
    public void AnEightBitPartWritesTheBytesMimeKitWouldWrite()
    {
        byte[] bytes = Encoding.UTF8.GetBytes("<p>您好，读者：</p>\r\n<p>以下是新文章。</p>\r\n.leading dot\r\n");
        var ours = new EightBitTextPart("html", bytes);
        var theirs = new TextPart("html") { Content = new MimeContent(new MemoryStream(bytes), ContentEncoding.EightBit), ContentTransferEncoding = ContentEncoding.EightBit };
        theirs.ContentType.Charset = "utf-8";
        foreach (var contentOnly in new[] { false, true })
        {
            Assert.Equal(Write(theirs, contentOnly), Write(ours, contentOnly));
        }

        static byte[] Write(MimeEntity part, bool contentOnly)
        {
            var options = FormatOptions.Default.Clone();
            options.NewLineFormat = NewLineFormat.Dos;
            using var stream = new MemoryStream();
            part.WriteTo(options, stream, contentOnly);
            return stream.ToArray();
        }
    }

    [Fact]
    public async Task ASplicedDigestIsTheSameMailAsOneBuiltFromTheStrings()
    {
        var rendered = await RenderAsync();
        Assert.NotNull(rendered.Text);
        Assert.NotNull(rendered.Html);
        var spliced = _composer.Personalize(rendered, 7, "reader7@example.cn", "读者<七>&", "digest-1.subscriber-7@news.example.cn", BaseUrl);
        var whole = _composer.Personalize(rendered with { Text = null, Html = null }, 7, "reader7@example.cn", "读者<七>&", "digest-1.subscriber-7@news.example.cn", BaseUrl);

        byte[] wire = Wire(spliced);
        var a = MimeMessage.Load(new MemoryStream(wire));
        var b = MimeMessage.Load(new MemoryStream(Wire(whole)));
        Assert.All(a.BodyParts.OfType<TextPart>(), p => Assert.Equal(ContentEncoding.EightBit, p.ContentTransferEncoding));
        Assert.Equal(b.TextBody!.Replace("\r\n", "\n"), a.TextBody!.Replace("\r\n", "\n"));
        Assert.Equal(Normalize(b.HtmlBody!), Normalize(a.HtmlBody!));
        Assert.Contains("读者&lt;七&gt;&amp;", a.HtmlBody);
        Assert.Contains("读者<七>&", a.TextBody);
        foreach (var header in new[] { HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.MessageId, HeaderId.ListId, HeaderId.ListUnsubscribe, HeaderId.ListUnsubscribePost })
            Assert.Equal(b.Headers[header], a.Headers[header]);
        // Automatic bulk mail says so (RFC 3834), on the spliced path as on the other: vacation responders stay quiet.
        Assert.Equal("auto-generated", a.Headers["Auto-Submitted"]);
        Assert.Equal("bulk", a.Headers["Precedence"]);
        Assert.Equal(b.Headers["Auto-Submitted"], a.Headers["Auto-Submitted"]);
        Assert.Equal(b.Headers["Precedence"], a.Headers["Precedence"]);
        // Dated when it is made (sent), not when the digest was rendered: a long send spans hours.
        Assert.InRange(a.Date, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        // RFC 5322: no line over 998 octets, and every line ends in CRLF.
        Assert.All(Lines(wire), line => Assert.True(line.Length <= 998, $"{line.Length} octets"));
        Assert.DoesNotContain((byte)'\n', wire.Where((b, i) => b == '\n' && (i == 0 || wire[i - 1] != '\r')));
    }

    // Breaking an HTML line at a space changes nothing a browser shows: both are white space.
    private static string Normalize(string html) => System.Text.RegularExpressions.Regex.Replace(html, @"\s+", " ").Trim();

    private static IEnumerable<byte[]> Lines(byte[] wire)
    {
        int start = 0;
        for (int i = 0; i + 1 < wire.Length; i++)
        {
            if (wire[i] == '\r' && wire[i + 1] == '\n') { yield return wire[start..i]; start = i + 2; }
        }
    }

    [Fact]
    public void LongHtmlLinesAreBrokenOnlyWhereABreakChangesNothing()
    {
        // In text and between attributes: yes.
        string cells = string.Join(' ', Enumerable.Repeat("<span class=\"c\">通知公告</span>", 300));
        var part = PartTemplate.Create("html", "<p>" + cells + "</p>", ["%%X%%"], breakAtSpaces: true)!.Fill([[]])!;
        Assert.Equal(cells, Normalize(part.Text)[3..^4]);
        Assert.All(part.Text.Split('\n'), line => Assert.InRange(Encoding.UTF8.GetByteCount(line), 0, PartTemplate.WrapOctets));

        // Inside quotes: never (a line break in a quoted CSS font name voids the declaration).
        string styled = string.Concat(Enumerable.Repeat("<td style=\"font: 14px 'PingFang SC', 'Microsoft YaHei', sans-serif\">要闻</td>", 40));
        part = PartTemplate.Create("html", styled, ["%%X%%"], breakAtSpaces: true)!.Fill([[]])!;
        var lines = part.Text.Split('\n');
        Assert.True(lines.Length > 1);
        Assert.All(lines, line => Assert.True(line.Count(c => c == '"') % 2 == 0 && line.Count(c => c == '\'') % 2 == 0, line));
        Assert.Equal(styled.Replace(" ", ""), string.Concat(lines).Replace(" ", ""));

        // Inside a style element: never; a long line there is kept whole while it is legal.
        string css = "<style>" + string.Concat(Enumerable.Repeat(".a { font-family: 'PingFang SC'; } ", 20)) + "</style>";
        Assert.InRange(Encoding.UTF8.GetByteCount(css), PartTemplate.WrapOctets + 1, PartTemplate.MaxLineOctets);
        part = PartTemplate.Create("html", css + "\n<p>正文</p>", ["%%X%%"], breakAtSpaces: true)!.Fill([[]])!;
        Assert.Equal(css, part.Text.Split('\n')[0]);

        // A text line of 700 octets is legal as it is; 1,200 with nowhere to break is not: that part is left to MimeKit.
        Assert.NotNull(PartTemplate.Create("plain", new string('字', 233), ["%%X%%"], breakAtSpaces: false));
        Assert.Null(PartTemplate.Create("plain", new string('字', 400), ["%%X%%"], breakAtSpaces: false));
        Assert.Null(PartTemplate.Create("html", "<p>" + new string('字', 400) + "</p>", ["%%X%%"], breakAtSpaces: true));
    }

    [Fact]
    public async Task AValueThatWouldMakeALineTooLongFallsBackToMimeKitsEncoding()
    {
        var rendered = await RenderAsync();
        string longName = new('&', 200); // the longest name there may be: 1,000 octets once HTML-escaped
        var message = _composer.Personalize(rendered, 7, "reader7@example.cn", longName, "digest-1.subscriber-7@news.example.cn", BaseUrl);
        Assert.DoesNotContain(message.BodyParts, p => p is EightBitTextPart);
        var parsed = MimeMessage.Load(new MemoryStream(Wire(message)));
        Assert.Contains(longName, parsed.TextBody);
        Assert.Contains(string.Concat(Enumerable.Repeat("&amp;", 200)), parsed.HtmlBody);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheServerGetsEightBitPartsWhenItOffers8BitMimeAndSevenBitOnesOtherwise(bool offers8BitMime)
    {
        await using var server = new ScriptedSmtpServer { Offers8BitMime = offers8BitMime };
        await using var transport = new SmtpMailTransport(Options.Create(new PublisherOptions
        {
            Smtp = new SmtpOptions { Host = "127.0.0.1", Port = server.Port, Security = SmtpSecurity.None, MaxConnections = 1 },
        }), NullLogger<SmtpMailTransport>.Instance);
        var rendered = await RenderAsync();
        var message = _composer.Personalize(rendered, 7, "reader7@example.cn", "读者七", "digest-1.subscriber-7@news.example.cn", BaseUrl);
        await transport.SendAsync(message);

        var (mailFrom, data) = Assert.Single(server.Messages);
        var received = MimeMessage.Load(new MemoryStream(data));
        Assert.Contains("读者七，您好", received.TextBody);
        Assert.Contains("读者七，您好", received.HtmlBody);
        Assert.Contains("第20篇", received.HtmlBody);
        if (offers8BitMime)
        {
            Assert.Contains("BODY=8BITMIME", mailFrom);
            Assert.All(received.BodyParts.OfType<TextPart>(), p => Assert.Equal(ContentEncoding.EightBit, p.ContentTransferEncoding));
        }
        else
        {
            Assert.DoesNotContain("BODY=8BITMIME", mailFrom);
            Assert.All(data, b => Assert.True(b < 0x80));
            Assert.All(received.BodyParts.OfType<TextPart>(), p => Assert.NotEqual(ContentEncoding.EightBit, p.ContentTransferEncoding));
        }
    }
}
