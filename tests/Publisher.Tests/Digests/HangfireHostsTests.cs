using System.Net;
using System.Net.Http.Json;
using System.Text;
using Publisher.Tests.Support;

namespace Publisher.Tests.Digests;

/// <summary>Several hosts in one process (as in these tests): one host's end must not break another's jobs.</summary>
[Trait("Db", "Both")]
public sealed class HangfireHostsTests
{
    [Fact]
    public async Task AHostStillQueuesDigestJobsAfterAnotherHostInTheProcessWasDisposed()
    {
        using var siteA = new TempSite();
        using var siteB = new TempSite();
        await using var smtp = new TestSmtpServer();
        var settings = siteA.Settings();
        foreach (var (k, v) in smtp.Settings()) settings[k] = v;
        await using var a = new PublisherFactory(settings);
        var admin = a.CreateAdminClient();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/lists", new { name = "news" })).StatusCode);
        Assert.True((await admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent("email\nr1@example.org\n", Encoding.UTF8, "text/csv"))).IsSuccessStatusCode);
        Assert.True((await admin.PostAsJsonAsync("/api/articles", new { title = "新文章", publishedAt = "2026-11-28 08:00", contentText = "正文。" })).IsSuccessStatusCode);

        // Host B starts after A (Hangfire's process-wide settings are B's now) and is disposed.
        var b = new PublisherFactory(siteB.Settings());
        b.CreateClient();
        await b.DisposeAsync();

        var digest = await DigestApi.SendNowAsync(admin);
        Assert.NotNull(digest);
        Assert.Equal(1, DigestApi.Count(digest!.Value, "sent"));
    }
}
