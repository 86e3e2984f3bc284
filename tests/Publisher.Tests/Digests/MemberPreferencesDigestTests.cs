using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Publisher.Data;
using Publisher.Subscribers;
using Publisher.Tests.Support;

namespace Publisher.Tests.Digests;

/// <summary>The digest honours what each member chose in the preference centre: their categories, their pause.</summary>
public sealed class MemberPreferencesDigestTests : IAsyncLifetime
{
    private readonly TempSite _site = new();
    private readonly TestSmtpServer _smtp = new();
    private PublisherFactory _factory = null!;
    private HttpClient _admin = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var settings = _site.Settings(_smtp.Settings());
        _factory = new PublisherFactory(settings);
        _admin = _factory.CreateAdminClient();
        _client = _factory.CreateClient(new() { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news", description = "政务要闻" })).StatusCode);
        var import = await _admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true",
            new StringContent("email,name\nall@example.org,全部\ntwo@example.org,两类\nquiet@example.org,一类\npaused@example.org,暂停\n"));
        Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
        _site.Dispose();
    }

    private async Task PostArticleAsync(string slug, string title, string category)
    {
        var response = await _admin.PostAsJsonAsync("/api/articles", new { slug, title, publishedAt = "2026-11-20 09:00", category, contentText = title + "。" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The member's own preference-centre form, with the token a mail would carry.</summary>
    private async Task ManageAsync(string email, string what, params (string Key, string Value)[] form)
    {
        int id;
        using (var scope = _factory.Services.CreateScope())
            id = await scope.ServiceProvider.GetRequiredService<PublisherDbContext>().Subscribers.Where(s => s.EmailKey == email).Select(s => s.Id).SingleAsync();
        string token = _factory.Services.GetRequiredService<SubscriberTokens>().Create(TokenPurpose.Manage, id);
        var response = await _client.PostAsync($"/manage/{token}/{what}", new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))));
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
    }

    private List<MimeMessage> MailsTo(string email) => _smtp.Received.Where(m => m.To.Mailboxes.Single().Address == email).ToList();

    [Fact]
    public async Task AMemberGetsOnlyTheirCategoriesNoMailWhenTheyHoldNothingNewAndNoneWhilePaused()
    {
        await PostArticleAsync("n1", "供暖通知", "通知公告");
        await PostArticleAsync("n2", "停水通知", "通知公告");
        await PostArticleAsync("s1", "监督回音", "人民监督");
        await PostArticleAsync("s2", "群众来信", "人民监督");
        await PostArticleAsync("g1", "政务公开目录", "政务公开");
        await ManageAsync("two@example.org", "lists/news/categories", ("category", "通知公告"), ("category", "政务公开"));
        await ManageAsync("quiet@example.org", "lists/news/categories", ("category", "政务公开"));
        await ManageAsync("paused@example.org", "lists/news/pause", ("for", "week"));

        var first = (await DigestApi.SendNowAsync(_admin))!.Value;
        // The paused member has no row at all: not sent, not failed.
        Assert.Equal(3, DigestApi.Count(first, "sent"));
        Assert.Equal(0, DigestApi.Count(first, "failed"));
        Assert.Equal(5, first.GetProperty("articles").GetArrayLength());
        var all = Assert.Single(MailsTo("all@example.org"));
        foreach (var title in new[] { "供暖通知", "停水通知", "监督回音", "群众来信", "政务公开目录" }) Assert.Contains(title, all.TextBody);
        var two = Assert.Single(MailsTo("two@example.org"));
        foreach (var title in new[] { "供暖通知", "停水通知", "政务公开目录" })
        {
            Assert.Contains(title, two.TextBody);
            Assert.Contains(title, two.HtmlBody);
        }
        foreach (var title in new[] { "监督回音", "群众来信" })
        {
            Assert.DoesNotContain(title, two.TextBody);
            Assert.DoesNotContain(title, two.HtmlBody);
        }
        Assert.Contains("3篇", two.Subject);
        var quiet = Assert.Single(MailsTo("quiet@example.org"));
        Assert.Contains("政务公开目录", quiet.TextBody);
        Assert.DoesNotContain("供暖通知", quiet.TextBody);
        Assert.Empty(MailsTo("paused@example.org"));

        // Only 人民监督 is new: the members who chose other categories get no mail. The pause has run out (moved into the
        // past here, as time would): that member gets this digest as anyone would.
        using (var scope = _factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var until = DateTime.UtcNow.AddMinutes(-1);
            await db.Memberships.Where(m => m.Subscriber.EmailKey == "paused@example.org").ExecuteUpdateAsync(m => m.SetProperty(x => x.PausedUntilUtc, until));
        }
        await PostArticleAsync("s3", "监督新篇", "人民监督");
        var second = (await DigestApi.SendNowAsync(_admin))!.Value;
        Assert.Equal(2, DigestApi.Count(second, "sent"));
        Assert.Equal(0, DigestApi.Count(second, "failed"));
        Assert.Equal(2, MailsTo("all@example.org").Count);
        Assert.Contains("监督新篇", Assert.Single(MailsTo("paused@example.org")).TextBody);
        Assert.Single(MailsTo("two@example.org"));
        Assert.Single(MailsTo("quiet@example.org"));

        // Nothing new for anyone who gets mail now: no digest is made at all.
        await ManageAsync("all@example.org", "lists/news/categories", ("category", "通知公告"));
        await ManageAsync("paused@example.org", "lists/news/pause", ("for", "month"));
        await PostArticleAsync("s4", "监督再篇", "人民监督");
        Assert.Null(await DigestApi.SendNowAsync(_admin));
    }
}
