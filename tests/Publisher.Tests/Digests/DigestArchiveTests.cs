using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using MimeKit;
using Publisher.Tests.Feeds;
using Publisher.Tests.Support;

namespace Publisher.Tests.Digests;

/// <summary>The public archive of sent digests through the real host, with the digests sent over a real SMTP server.</summary>
public sealed class DigestArchiveTests : IAsyncLifetime
{
    private const string Base = "http://feeds.example.test";
    private readonly TempSite _site = new();
    private readonly TestSmtpServer _smtp = new();
    private PublisherFactory _factory = null!;
    private HttpClient _admin = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var settings = _site.Settings(_smtp.Settings(), Base);
        _factory = new PublisherFactory(settings);
        _admin = _factory.CreateAdminClient();
        _client = _factory.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news", title = "每日要闻" })).StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
        _site.Dispose();
    }

    private async Task PostArticleAsync(string slug, string title)
    {
        var response = await _admin.PostAsJsonAsync("/api/articles", new { slug, title, publishedAt = "2026-11-20 09:00", category = "通知公告", contentText = title + "。" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task ImportAsync(string list, string csv)
    {
        var response = await _admin.PostAsync($"/api/lists/{list}/subscribers/import?confirmed=true", new StringContent("email,name\n" + csv));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ASentDigestHasAPublicPageAsMailedWithoutAnythingPersonalAndTheArchiveListsItWithAValidFeed()
    {
        await ImportAsync("news", "wang.fang@example.org,王芳\nzhao.lei@example.org,赵磊\n");
        await PostArticleAsync("a1", "关于做好冬季供暖保障工作的通知");
        await PostArticleAsync("a2", "关于调整公交线路的公告");
        int first = (await DigestApi.SendNowAsync(_admin))!.Value.GetProperty("id").GetInt32();
        await PostArticleAsync("a3", "关于开展安全生产检查的通知");
        int second = (await DigestApi.SendNowAsync(_admin))!.Value.GetProperty("id").GetInt32();

        // Every digest mail links its page ("view in browser").
        var mails = _smtp.Received.Where(m => m.Headers[HeaderId.ListId] is not null).ToList();
        Assert.Equal(4, mails.Count);
        var mail = mails.Last(m => m.To.Mailboxes.Single().Address == "wang.fang@example.org");
        string page = $"{Base}/archive/news/{second}";
        Assert.Contains(page, mail.TextBody);
        Assert.Contains($"href=\"{page}\"", mail.HtmlBody);
        string unsubscribe = Regex.Match(mail.TextBody!, @"/unsubscribe/[A-Za-z0-9_-]+").Value, manage = Regex.Match(mail.TextBody!, @"/manage/[A-Za-z0-9_-]+").Value;
        Assert.NotEmpty(unsubscribe);
        Assert.NotEmpty(manage);

        var response = await _client.GetAsync($"/archive/news/{second}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        string html = await response.Content.ReadAsStringAsync();
        // As mailed: the same template, heading and articles...
        Assert.Contains("每日要闻", html);
        Assert.Contains("关于开展安全生产检查的通知", html);
        Assert.Contains($"href=\"{Base}/articles/a3\"", html);
        Assert.Contains("style=\"", html); // CSS inlined like the mail's
        // ...minus everything personal: no address, name, token or placeholder of any recipient.
        foreach (var personal in new[] { "wang.fang", "zhao.lei", "王芳", "赵磊", unsubscribe, manage, "/unsubscribe/", "/manage/", "%%PUBLISHER" })
            Assert.DoesNotContain(personal, html);
        Assert.Contains($"href=\"{Base}/#subscribe\"", html);
        Assert.Contains($"href=\"{Base}/archive/news\"", html);
        Assert.Contains("您好：", html);

        var index = await _client.GetAsync("/archive/news");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Contains("default-src 'none'", index.Headers.GetValues("Content-Security-Policy").Single());
        string list = await index.Content.ReadAsStringAsync();
        // Autodiscovery in the head (the encoder writes '+' as a character reference, which any parser reads as '+').
        Assert.Matches($@"<link rel=""alternate"" type=""application/atom(\+|&#x2B;)xml"" title=""每日要闻 \(往期邮件, Atom\)"" href=""{Regex.Escape(Base)}/archive/news/feed\.xml""",
            list[..list.IndexOf("</head>")]);
        Assert.True(list.IndexOf($"{Base}/archive/news/{second}", StringComparison.Ordinal) < list.IndexOf($"{Base}/archive/news/{first}", StringComparison.Ordinal),
            "newest first");
        Assert.Contains("每日要闻｜", list);
        foreach (var personal in new[] { "wang.fang", "王芳" }) Assert.DoesNotContain(personal, list);

        var feed = await _client.GetAsync("/archive/news/feed.xml");
        Assert.Equal("application/atom+xml; charset=utf-8", feed.Content.Headers.ContentType!.ToString());
        byte[] atom = await feed.Content.ReadAsByteArrayAsync();
        await FeedReader.AssertValidAtomAsync(atom);
        var parsed = await FeedReader.ParseAsync(atom);
        var entries = parsed.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.Equal(page, entries[0].GetProperty("link").GetString());
        Assert.StartsWith("每日要闻｜", entries[0].GetProperty("title").GetString());
        Assert.Equal($"{Base}/archive/news", parsed.GetProperty("link").GetString());
    }

    [Fact]
    public async Task UnknownListsAndDigestsAUnsentDigestAndAListWithItsArchiveOffAnswer404()
    {
        // A digest whose every delivery was refused was never sent: it is not in the archive.
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "refused" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "private", archive = false })).StatusCode);
        var shown = await _admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/lists/private");
        Assert.False(shown.GetProperty("archive").GetBoolean());
        Assert.True((await _admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/lists/news")).GetProperty("archive").GetBoolean());
        _smtp.Refused["nobody@example.org"] = true;
        await ImportAsync("refused", "nobody@example.org,无\n");
        await ImportAsync("private", "private@example.org,私\n");
        await PostArticleAsync("b1", "关于冬季防火的通知");
        var refused = (await DigestApi.SendNowAsync(_admin, "refused"))!.Value;
        Assert.Equal(0, DigestApi.Count(refused, "sent"));
        var secret = (await DigestApi.SendNowAsync(_admin, "private"))!.Value;
        Assert.Equal(1, DigestApi.Count(secret, "sent"));
        var privateMail = _smtp.Received.Single(m => m.To.Mailboxes.Single().Address == "private@example.org");
        Assert.DoesNotContain("/archive/", privateMail.TextBody + privateMail.HtmlBody); // no page, no link to one

        foreach (var path in new[]
                 {
                     "/archive/nope", "/archive/nope/1", "/archive/nope/feed.xml", "/archive/news/999999",
                     $"/archive/refused/{refused.GetProperty("id").GetInt32()}",
                     "/archive/private", "/archive/private/feed.xml", $"/archive/private/{secret.GetProperty("id").GetInt32()}",
                     $"/archive/news/{secret.GetProperty("id").GetInt32()}", // a digest of another list
                 })
            Assert.True((await _client.GetAsync(path)).StatusCode == HttpStatusCode.NotFound, path);
        Assert.DoesNotContain($"/archive/refused/{refused.GetProperty("id").GetInt32()}", await _client.GetStringAsync("/archive/refused"));
        await FeedReader.AssertValidAtomAsync(await _client.GetByteArrayAsync("/archive/refused/feed.xml")); // valid when empty too
    }
}
