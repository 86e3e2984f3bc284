using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Publisher.Data;
using Publisher.Subscribers;
using Publisher.Tests.Support;

namespace Publisher.Tests.Subscribers;

/// <summary>The preference centre (/manage/{token}) through the real host, with mail over a real SMTP server.</summary>
public sealed class PreferenceCentreTests : IAsyncLifetime
{
    private readonly TempSite _site = new();
    private readonly TestSmtpServer _smtp = new();
    private PublisherFactory _factory = null!;
    private HttpClient _client = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        var settings = _site.Settings(_smtp.Settings());
        _factory = new PublisherFactory(settings);
        _client = _factory.CreateClient(new() { AllowAutoRedirect = false });
        _admin = _factory.CreateAdminClient();
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news", description = "政务要闻" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists",
            new { name = "weekly", title = "每周精选", categories = new[] { "通知公告", "人民监督", "政务公开" } })).StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
        _site.Dispose();
    }

    private async Task<MimeMessage> MailToAsync(string address, int nth = 1)
    {
        MimeMessage? found = null;
        await Eventually.HoldsAsync(() =>
        {
            found = _smtp.Received.Where(m => m.To.Mailboxes.Any(b => b.Address == address)).Skip(nth - 1).FirstOrDefault();
            return Task.FromResult(found is not null);
        }, TimeSpan.FromSeconds(15), $"mail number {nth} to {address} arrives");
        return found!;
    }

    /// <summary>The token of a <paramref name="path"/> link, found in the mail's bytes, in both its text and its HTML part.</summary>
    private static string TokenIn(MimeMessage mail, string path)
    {
        using var bytes = new MemoryStream();
        mail.WriteTo(bytes);
        string raw = Encoding.UTF8.GetString(bytes.ToArray());
        var match = Regex.Match(mail.TextBody!, $@"http://feeds\.example\.test/{path}/([A-Za-z0-9_-]+)");
        Assert.True(match.Success, mail.TextBody);
        Assert.Contains($"href=\"http://feeds.example.test/{path}/{match.Groups[1].Value}\"", mail.HtmlBody);
        Assert.Contains($"/{path}/{match.Groups[1].Value}", raw); // as sent: 8bit parts carry the link as it reads
        return match.Groups[1].Value;
    }

    /// <summary>Subscribes through the public form and confirms: the member's manage token (from the confirmation mail).</summary>
    private async Task<string> JoinAsync(string email, string list = "news", int nth = 1)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsJsonAsync("/subscribe", new { email, list, name = "李雷" })).StatusCode);
        var mail = await MailToAsync(email, nth);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/confirm/{TokenIn(mail, "confirm")}", null)).StatusCode);
        return TokenIn(mail, "manage");
    }

    private async Task<T> WithDbAsync<T>(Func<PublisherDbContext, Task<T>> read)
    {
        using var scope = _factory.Services.CreateScope();
        return await read(scope.ServiceProvider.GetRequiredService<PublisherDbContext>());
    }

    private Task<Membership> MembershipAsync(string email, string list = "news") => WithDbAsync(db => db.Memberships.AsNoTracking()
        .Include(m => m.Subscriber).SingleAsync(m => m.Subscriber.EmailKey == email.ToLowerInvariant() && m.List.Name == list));

    private Task<HttpResponseMessage> PostAsync(string path, params (string Key, string Value)[] form) =>
        _client.PostAsync(path, new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))));

    [Fact]
    public async Task TheConfirmationAndEveryDigestCarryAManageLinkThatNamesNoAddress()
    {
        string manage = await JoinAsync("li.lei@example.org");
        // The token is the signed id, nothing readable: no part of the address is in it, however decoded.
        byte[] decoded = Convert.FromBase64String(manage.Replace('-', '+').Replace('_', '/') + new string('=', (4 - manage.Length % 4) % 4));
        Assert.DoesNotContain("li.lei", Encoding.Latin1.GetString(decoded), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("lei", manage, StringComparison.OrdinalIgnoreCase);

        var posted = await _admin.PostAsJsonAsync("/api/articles", new { slug = "a1", title = "关于做好冬季供暖保障工作的通知", publishedAt = "2026-11-20 09:00",
            category = "通知公告", contentText = "为切实做好今冬明春供暖保障工作，现将有关事项通知如下。" });
        Assert.True(posted.IsSuccessStatusCode);
        var digest = (await DigestApi.SendNowAsync(_admin))!.Value;
        var mail = await MailToAsync("li.lei@example.org", 2);
        string digestManage = TokenIn(mail, "manage");
        TokenIn(mail, "unsubscribe");
        Assert.Contains("管理订阅", mail.TextBody);
        Assert.Contains("管理订阅", mail.HtmlBody);
        int id = digest.GetProperty("id").GetInt32();
        Assert.Contains($"http://feeds.example.test/archive/news/{id}", mail.TextBody);
        Assert.Contains($"href=\"http://feeds.example.test/archive/news/{id}\"", mail.HtmlBody);

        foreach (var token in new[] { manage, digestManage })
        {
            var page = await _client.GetAsync($"/manage/{token}");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("li.lei@example.org", await page.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task AManageTokenIsNoUnsubscribeOrConfirmTokenNorTheOtherWayRoundAndATamperedOneGets404()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsJsonAsync("/subscribe", new { email = "han@example.org", list = "news" })).StatusCode);
        var mail = await MailToAsync("han@example.org");
        string confirm = TokenIn(mail, "confirm"), manage = TokenIn(mail, "manage");
        string unsubscribe = _factory.Services.GetRequiredService<SubscriberTokens>()
            .Create(TokenPurpose.Unsubscribe, (await MembershipAsync("han@example.org")).Id);
        string tampered = manage[..^2] + (manage[^2] == 'A' ? "BB" : "AA");

        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync($"/unsubscribe/{manage}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/unsubscribe/{manage}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync($"/confirm/{manage}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/manage/{confirm}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/manage/{unsubscribe}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync($"/manage/{unsubscribe}/lists/news/unsubscribe")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/manage/{tampered}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync($"/manage/{tampered}/unsubscribe-all")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync($"/manage/{tampered}/erase", ("confirm", "yes"))).StatusCode);
        Assert.Equal(MembershipStatus.Unconfirmed, (await MembershipAsync("han@example.org")).Status);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/manage/{manage}")).StatusCode);
    }

    [Fact]
    public async Task TheGetShowsTheListsAndChangesNothingEachPostChangesOneThing()
    {
        string token = await JoinAsync("mei@example.org", "weekly");
        var before = await MembershipAsync("mei@example.org", "weekly");

        // Scanners open links: GET and HEAD show the page, change nothing, and nothing of it is cached.
        var page = await _client.GetAsync($"/manage/{token}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/manage/{token}"))).StatusCode);
        Assert.Contains("no-store", page.Headers.CacheControl!.ToString());
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("每周精选", html);
        Assert.Contains("已订阅", html);
        Assert.Contains($"action=\"/manage/{token}/lists/weekly/categories\"", html);
        Assert.Contains("value=\"人民监督\"", html);
        Assert.Equal(before.UpdatedUtc, (await MembershipAsync("mei@example.org", "weekly")).UpdatedUtc);

        // Categories: two of the list's; an unknown one is refused and changes nothing; none means all.
        var chosen = await PostAsync($"/manage/{token}/lists/weekly/categories", ("category", "通知公告"), ("category", "政务公开"));
        Assert.Equal(HttpStatusCode.SeeOther, chosen.StatusCode);
        Assert.Equal($"/manage/{token}?done=categories", chosen.Headers.Location!.OriginalString);
        Assert.Equal(["通知公告", "政务公开"], (await MembershipAsync("mei@example.org", "weekly")).CategoryList);
        Assert.Contains("checked", Regex.Match(await _client.GetStringAsync($"/manage/{token}"), "<input[^>]*value=\"通知公告\"[^>]*>").Value);
        var unknown = await PostAsync($"/manage/{token}/lists/weekly/categories", ("category", "娱乐八卦"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("娱乐八卦", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(["通知公告", "政务公开"], (await MembershipAsync("mei@example.org", "weekly")).CategoryList);
        Assert.Equal(HttpStatusCode.SeeOther, (await PostAsync($"/manage/{token}/lists/weekly/categories")).StatusCode);
        Assert.Empty((await MembershipAsync("mei@example.org", "weekly")).CategoryList);

        // Pause: a month; a date in the past is refused; a date; resume.
        var now = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.SeeOther, (await PostAsync($"/manage/{token}/lists/weekly/pause", ("for", "month"))).StatusCode);
        Assert.InRange((await MembershipAsync("mei@example.org", "weekly")).PausedUntilUtc!.Value, now.AddDays(27), now.AddDays(32));
        Assert.Contains("暂停至", await _client.GetStringAsync($"/manage/{token}"));
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync($"/manage/{token}/lists/weekly/pause", ("for", "date"), ("until", "2020-01-01"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync($"/manage/{token}/lists/weekly/pause", ("for", "forever"))).StatusCode);
        Assert.InRange((await MembershipAsync("mei@example.org", "weekly")).PausedUntilUtc!.Value, now.AddDays(27), now.AddDays(32));
        string day = DateTime.UtcNow.AddDays(10).ToString("yyyy-MM-dd");
        Assert.Equal(HttpStatusCode.SeeOther, (await PostAsync($"/manage/{token}/lists/weekly/pause", ("for", "date"), ("until", day))).StatusCode);
        // Midnight of that day where the list's digest is scheduled (Asia/Shanghai: 16:00 UTC the day before).
        Assert.Equal(DateTime.Parse(day).AddHours(-8), (await MembershipAsync("mei@example.org", "weekly")).PausedUntilUtc);
        Assert.Equal(HttpStatusCode.SeeOther, (await PostAsync($"/manage/{token}/lists/weekly/resume")).StatusCode);
        Assert.Null((await MembershipAsync("mei@example.org", "weekly")).PausedUntilUtc);

        // Name: the same rules as everywhere (no line breaks, no encoded words).
        Assert.Equal(HttpStatusCode.SeeOther, (await PostAsync($"/manage/{token}/name", ("name", "王小梅"))).StatusCode);
        Assert.Equal("王小梅", (await MembershipAsync("mei@example.org", "weekly")).Subscriber.Name);
        foreach (var bad in new[] { "a\r\nBcc: x@y.org", "=?utf-8?b?Qm9iDQpCY2M6IGV2aWxAYXR0YWNrZXIuY29t?=" })
            Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync($"/manage/{token}/name", ("name", bad))).StatusCode);
        Assert.Equal("王小梅", (await MembershipAsync("mei@example.org", "weekly")).Subscriber.Name);

        // A list that is not theirs is no list at all.
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync($"/manage/{token}/lists/news/unsubscribe")).StatusCode);

        // Unsubscribe, then subscribe again: double opt-in again (Unconfirmed and a new confirmation mail).
        Assert.Equal(HttpStatusCode.SeeOther, (await PostAsync($"/manage/{token}/lists/weekly/unsubscribe")).StatusCode);
        Assert.Equal(MembershipStatus.Unsubscribed, (await MembershipAsync("mei@example.org", "weekly")).Status);
        Assert.Contains($"action=\"/manage/{token}/lists/weekly/resubscribe\"", await _client.GetStringAsync($"/manage/{token}"));
        Assert.Equal(HttpStatusCode.SeeOther, (await PostAsync($"/manage/{token}/lists/weekly/resubscribe")).StatusCode);
        Assert.Equal(MembershipStatus.Unconfirmed, (await MembershipAsync("mei@example.org", "weekly")).Status);
        var again = await MailToAsync("mei@example.org", 2);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/confirm/{TokenIn(again, "confirm")}", null)).StatusCode);
        Assert.Equal(MembershipStatus.Confirmed, (await MembershipAsync("mei@example.org", "weekly")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync($"/manage/{token}/lists/weekly/resubscribe")).StatusCode); // not unsubscribed

        // Everything at once.
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsJsonAsync("/subscribe", new { email = "mei@example.org", list = "news" })).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await PostAsync($"/manage/{token}/unsubscribe-all")).StatusCode);
        Assert.Equal(MembershipStatus.Unsubscribed, (await MembershipAsync("mei@example.org", "weekly")).Status);
        Assert.Equal(MembershipStatus.Unsubscribed, (await MembershipAsync("mei@example.org", "news")).Status);
    }

    [Fact]
    public async Task ExportGivesEverythingStoredAsJsonAndEraseDeletesTheAddressButKeepsTheOptOut()
    {
        string token = await JoinAsync("zhang.san@example.org");
        var posted = await _admin.PostAsJsonAsync("/api/articles", new { slug = "b1", title = "通知", publishedAt = "2026-11-20 09:00", contentText = "正文。" });
        Assert.True(posted.IsSuccessStatusCode);
        await DigestApi.SendNowAsync(_admin);
        await MailToAsync("zhang.san@example.org", 2);
        Assert.Equal(HttpStatusCode.SeeOther, (await PostAsync($"/manage/{token}/lists/news/pause", ("for", "week"))).StatusCode);

        var export = await PostAsync($"/manage/{token}/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("application/json", export.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", export.Content.Headers.ContentDisposition!.DispositionType);
        var data = JsonDocument.Parse(await export.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("zhang.san@example.org", data.GetProperty("email").GetString());
        Assert.Equal("李雷", data.GetProperty("name").GetString());
        var list = data.GetProperty("lists").EnumerateArray().Single();
        Assert.Equal("news", list.GetProperty("list").GetString());
        Assert.Equal("confirmed", list.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, list.GetProperty("pausedUntilUtc").ValueKind);
        Assert.Equal("Sent", data.GetProperty("deliveries").EnumerateArray().Single().GetProperty("state").GetString());

        // Without the box ticked nothing is erased.
        Assert.Equal(HttpStatusCode.SeeOther, (await PostAsync($"/manage/{token}/erase")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/manage/{token}")).StatusCode);

        int subscriberId = (await MembershipAsync("zhang.san@example.org")).SubscriberId;
        var erased = await PostAsync($"/manage/{token}/erase", ("confirm", "yes"));
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Contains("数据已删除", await erased.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/manage/{token}")).StatusCode);
        Assert.False(await WithDbAsync(db => db.Subscribers.AnyAsync(s => s.Id == subscriberId || s.EmailKey == "zhang.san@example.org")));
        Assert.False(await WithDbAsync(db => db.Memberships.AnyAsync(m => m.SubscriberId == subscriberId)));
        // The ledger keeps its row (one copy per digest, the counts) and it names no address.
        var ledger = await WithDbAsync(db => db.Deliveries.AsNoTracking().Where(d => d.SubscriberId == subscriberId).ToListAsync());
        Assert.Equal(Publisher.Digests.DeliveryState.Sent, Assert.Single(ledger).State);
        Assert.DoesNotContain("zhang", ledger[0].MessageId + ledger[0].LastReply);
        Assert.Equal(1, await WithDbAsync(db => db.ErasedAddresses.CountAsync()));
        // Not even in the database file's free pages (once the write-ahead log is folded in).
        await WithDbAsync(db => db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)"));
        byte[] file = await File.ReadAllBytesAsync(Path.Combine(_site.DataPath, "publisher.db"));
        Assert.Equal(-1, file.AsSpan().IndexOf("zhang.san@example.org"u8));
        Assert.Equal(-1, file.AsSpan().IndexOf("李雷"u8));
        Assert.DoesNotContain("zhang", (await WithDbAsync(db => db.ErasedAddresses.SingleAsync())).Hash);

        // A bounce report that arrives later about the address does not bring it back.
        using (var scope = _factory.Services.CreateScope())
        {
            var recorded = await scope.ServiceProvider.GetRequiredService<Publisher.Bounces.BounceRecorder>().RecordAsync("late-report",
                new Publisher.Bounces.ReadReport(Publisher.Bounces.ReportKind.Hard, "5.1.1", "Zhang.San@example.org", null,
                    "550 5.1.1 <zhang.san@example.org>: user unknown"));
            Assert.Equal(Publisher.Bounces.ReportKind.Unmatched, recorded.Kind);
            var late = await scope.ServiceProvider.GetRequiredService<PublisherDbContext>().BounceReports.AsNoTracking().SingleAsync(r => r.Key == "late-report");
            Assert.Null(late.Recipient);
            Assert.DoesNotContain("zhang", late.Detail!, StringComparison.OrdinalIgnoreCase);
        }

        // The opt-out stays: an admin cannot add the address back, by hand or by import; the person can, by double opt-in.
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "Zhang.San@example.org", confirmed = true })).StatusCode);
        var import = await _admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent("email,name\nzhang.san@example.org,张三\nnew@example.org,新\n"));
        string report = await import.Content.ReadAsStringAsync();
        Assert.Contains("erased", report);
        Assert.False(await WithDbAsync(db => db.Subscribers.AnyAsync(s => s.EmailKey == "zhang.san@example.org")));
        Assert.True(await WithDbAsync(db => db.Subscribers.AnyAsync(s => s.EmailKey == "new@example.org")));
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsJsonAsync("/subscribe", new { email = "zhang.san@example.org", list = "news" })).StatusCode);
        await MailToAsync("zhang.san@example.org", 3);
        Assert.Equal(MembershipStatus.Unconfirmed, (await MembershipAsync("zhang.san@example.org")).Status);
        Assert.Equal(0, await WithDbAsync(db => db.ErasedAddresses.CountAsync()));
    }
}
