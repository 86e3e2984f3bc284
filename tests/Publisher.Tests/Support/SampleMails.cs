using System.Net;
using System.Net.Http.Json;
using MimeKit;

namespace Publisher.Tests.Support;

/// <summary>
/// A digest and a confirmation mail as an SMTP server receives them from the real host (real SQLite, the real
/// background senders): the bytes that spam filters, browsers and DKIM verifiers judge. Made once for the tests of
/// the <see cref="SampleMailsCollection"/>.
/// </summary>
public sealed class SampleMails : IAsyncLifetime
{
    public const string BaseUrl = "https://news.example.cn";
    public const string From = "政务公开 <digest@news.example.cn>";
    public const string PostalAddress = "北京市东城区示例路1号（100010）· 电话 010-12345678";
    public const string ListTitle = "每日政务要闻";

    private readonly TempSite _site = new();
    private readonly ScriptedSmtpServer _smtp = new();

    /// <summary>The digest's bytes as the server took them (after the SMTP dot-stuffing was undone).</summary>
    public byte[] Digest { get; private set; } = [];
    public byte[] Confirmation { get; private set; } = [];
    /// <summary>The names the host gave in EHLO.</summary>
    public IReadOnlyList<string> Greetings => [.. _smtp.Greetings];
    /// <summary>The folder this run's files (pages, screenshots) may go to.</summary>
    public string Root => _site.Root;

    public async Task InitializeAsync()
    {
        var settings = _site.Settings(BaseUrl);
        settings["Publisher:Site:Title"] = "政务公开";
        settings["Publisher:Site:PostalAddress"] = PostalAddress;
        settings["Publisher:Smtp:Host"] = "127.0.0.1";
        settings["Publisher:Smtp:Port"] = _smtp.Port.ToString();
        settings["Publisher:Smtp:Security"] = "None";
        settings["Publisher:Smtp:MaxConnections"] = "1";
        settings["Publisher:Smtp:RetryDelayMilliseconds"] = "50";
        settings["Publisher:Smtp:TimeoutSeconds"] = "5";
        settings["Publisher:Smtp:From"] = From;
        await using var factory = new PublisherFactory(settings);
        var admin = factory.CreateAdminClient();
        var created = await admin.PostAsJsonAsync("/api/lists", new { name = "news", description = "政务要闻", title = ListTitle });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        for (int i = 1; i <= 3; i++)
        {
            var posted = await admin.PostAsJsonAsync("/api/articles", new
            {
                slug = $"notice-{i}", title = $"临江市人民政府办公室关于做好冬季供暖保障工作的第{i}号通知", publishedAt = $"2026-11-2{i} 09:00",
                category = i % 2 == 0 ? "通知公告" : "人民监督",
                contentText = string.Concat(Enumerable.Repeat("为切实做好今冬明春供暖保障工作，确保群众温暖过冬，现将有关事项通知如下。", 8)),
            });
            Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());
        }

        // A visitor subscribes: the confirmation mail.
        var subscribed = await factory.CreateClient().PostAsJsonAsync("/subscribe", new { email = "wang.fang@example.org", list = "news" });
        Assert.Equal(HttpStatusCode.Accepted, subscribed.StatusCode);
        await Eventually.HoldsAsync(() => Task.FromResult(!_smtp.Messages.IsEmpty), TimeSpan.FromSeconds(30), "the confirmation mail arrives");

        // A confirmed member gets the digest.
        var imported = await admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent("email,name\nzhang.san@example.org,张三\n"));
        Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());
        var digest = await DigestApi.SendNowAsync(admin);
        Assert.Equal(1, DigestApi.Count(digest!.Value, "sent"));

        var mails = _smtp.Messages.Select(m => m.Data).ToList();
        Digest = mails.Single(m => Load(m).Headers.Contains(HeaderId.ListId));
        Confirmation = mails.Single(m => !Load(m).Headers.Contains(HeaderId.ListId));
    }

    public static MimeMessage Load(byte[] bytes) => MimeMessage.Load(new MemoryStream(bytes));

    public async Task DisposeAsync()
    {
        await _smtp.DisposeAsync();
        _site.Dispose();
    }
}

[CollectionDefinition(nameof(SampleMailsCollection))]
public sealed class SampleMailsCollection : ICollectionFixture<SampleMails>;
