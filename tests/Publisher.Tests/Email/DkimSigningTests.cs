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
using Xunit.Abstractions;

namespace Publisher.Tests.Email;

/// <summary>DKIM signatures on digests as the SMTP server receives them, checked with MimeKit's verifier.</summary>
public sealed class DkimSigningTests : IAsyncDisposable
{
    private const string BaseUrl = "https://news.example.cn";
    private readonly DkimTestKey _key = new();
    private readonly ServiceProvider _services;
    private readonly ITestOutputHelper _output;

    public DkimSigningTests(ITestOutputHelper output)
    {
        _output = output;
        _services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(Options.Create(Settings(smtpPort: 25, dkim: true)))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(HtmlEncoder.Create(UnicodeRanges.All))
            .AddSingleton<Publisher.Data.SharedSecrets>()
            .AddSingleton<SubscriberTokens>()
            .AddSingleton<EmailRenderer>()
            .AddSingleton<DigestComposer>()
            .BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        _key.Dispose();
    }

    private PublisherOptions Settings(int smtpPort, bool dkim)
    {
        var options = new PublisherOptions { Secret = "dkim-signing-tests-secret-0123456789abcdef" };
        options.Site.Title = "政务公开";
        options.Site.BaseUrl = BaseUrl;
        options.Smtp = new SmtpOptions { Host = "127.0.0.1", Port = smtpPort, Security = SmtpSecurity.None, MaxConnections = 1, From = "政务公开 <digest@news.example.cn>" };
        if (dkim) options.Dkim = _key.Options;
        return options;
    }

    /// <summary>A spliced 20-article digest for one reader (8bit parts), as the sender makes it.</summary>
    private async Task<MimeMessage> DigestAsync()
    {
        var composer = _services.GetRequiredService<DigestComposer>();
        var rendered = await composer.RenderAsync(new MailingList { Id = 1, Name = "news", Description = "政务要闻" },
            Enumerable.Range(1, 20).Select(i => new Article
            {
                Id = i, Slug = $"article-{i}", SourceKey = $"api:article-{i}", ContentHash = "", BodyHtml = "", BodyText = "",
                Title = $"第{i}篇：关于做好今冬明春供暖保障工作的通知", Summary = "为切实做好今冬明春供暖保障工作，确保群众温暖过冬，现将有关事项通知如下。",
                Category = "通知公告", PublishedUtc = new DateTime(2026, 11, 27, 1, 0, 0, DateTimeKind.Utc), PublishedOffsetMinutes = 480,
            }).ToList(), 0, BaseUrl, new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero));
        var message = composer.Personalize(rendered, 7, "reader7@example.org", "读者七", "digest-1.subscriber-7@news.example.cn", BaseUrl);
        Assert.All(message.BodyParts, part => Assert.IsType<EightBitTextPart>(part));
        return message;
    }

    /// <summary>Sends one digest to a server and returns the bytes it received.</summary>
    private async Task<byte[]> SendAsync(bool signed, bool offers8BitMime)
    {
        await using var server = new ScriptedSmtpServer { Offers8BitMime = offers8BitMime };
        var options = Options.Create(Settings(server.Port, signed));
        await using var transport = new SmtpMailTransport(options, NullLogger<SmtpMailTransport>.Instance, new MailSigner(options));
        await transport.SendAsync(await DigestAsync());
        return Assert.Single(server.Messages).Data;
    }

    [Fact]
    public async Task ContentTypeIsSignedSoChangingItAfterSigningBreaksTheSignature()
    {
        byte[] received = await SendAsync(signed: true, offers8BitMime: true);
        var message = SampleMails.Load(received);
        Assert.Contains("content-type", DkimTestKey.Signature(message).Value.ToLowerInvariant());
        Assert.True(await _key.VerifyAsync(message));

        // A relay (or anyone) changing how the body is to be read: the same bytes read as separate attachments.
        string wire = Encoding.Latin1.GetString(received);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(wire, "multipart/alternative"));
        var tampered = SampleMails.Load(Encoding.Latin1.GetBytes(wire.Replace("multipart/alternative", "multipart/mixed")));
        Assert.Equal("mixed", tampered.Body!.ContentType.MediaSubtype);
        Assert.False(await _key.VerifyAsync(tampered));
    }

    [Fact]
    public async Task SigningKeepsEightBitPartsWhenTheServerTakesThemAndSevenBitOnesWhenItDoesNot()
    {
        byte[] plain = await SendAsync(signed: false, offers8BitMime: true);
        byte[] signed = await SendAsync(signed: true, offers8BitMime: true);
        byte[] signedSevenBit = await SendAsync(signed: true, offers8BitMime: false);
        _output.WriteLine($"8BITMIME server: unsigned {plain.Length} bytes, signed {signed.Length} bytes ({100.0 * (signed.Length - plain.Length) / plain.Length:+0.0;-0.0}%)");
        _output.WriteLine($"server without 8BITMIME: signed {signedSevenBit.Length} bytes ({100.0 * (signedSevenBit.Length - plain.Length) / plain.Length:+0.0;-0.0}% over unsigned 8bit)");

        var message = SampleMails.Load(signed);
        Assert.True(await _key.VerifyAsync(message));
        Assert.All(message.BodyParts.OfType<TextPart>(), p => Assert.Equal(ContentEncoding.EightBit, p.ContentTransferEncoding));
        // The signature is the only growth: one header of well under a kilobyte.
        Assert.InRange(signed.Length - plain.Length, 1, 1000);

        var sevenBit = SampleMails.Load(signedSevenBit);
        Assert.True(await _key.VerifyAsync(sevenBit));
        Assert.All(signedSevenBit, b => Assert.True(b < 0x80));
        Assert.Contains("读者七，您好", sevenBit.TextBody);
    }
}
