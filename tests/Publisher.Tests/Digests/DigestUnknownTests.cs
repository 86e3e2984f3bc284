using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Publisher.Digests;
using Publisher.Tests.Support;

namespace Publisher.Tests.Digests;

[Trait("Db", "Both")]
public sealed class DigestUnknownTests
{
    [Fact]
    public async Task SilenceAfterTheMessageIsUnknownIsNeverResentByItselfAndTheAdminCanResendIt()
    {
        using var site = new TempSite();
        await using var smtp = new ScriptedSmtpServer { Script = _ => DataBehaviour.NeverReply };
        var settings = site.Settings();
        settings["Publisher:Smtp:Host"] = "127.0.0.1";
        settings["Publisher:Smtp:Port"] = smtp.Port.ToString();
        settings["Publisher:Smtp:Security"] = "None";
        settings["Publisher:Smtp:From"] = "digest@feeds.example.test";
        settings["Publisher:Smtp:TimeoutSeconds"] = "2";
        settings["Publisher:Smtp:RetryDelayMilliseconds"] = "10";
        using var factory = new PublisherFactory(settings);
        var admin = factory.CreateAdminClient();
        await admin.PostAsJsonAsync("/api/lists", new { name = "news" });
        await admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "quiet@example.org", confirmed = true });
        await admin.PostAsJsonAsync("/api/articles", new { title = "文章", publishedAt = "2026-11-28 08:00", contentText = "正文。" });

        var digest = (await DigestApi.SendNowAsync(admin))!.Value;
        int id = digest.GetProperty("id").GetInt32();
        Assert.Equal(1, digest.GetProperty("counts").GetProperty("unknown").GetInt32());
        Assert.Equal(1, smtp.BodiesReceivedWhole);

        // Neither a re-run nor the resumer sends it again.
        Assert.Null(await DigestApi.SendNowAsync(admin));
        var resumer = factory.Services.GetRequiredService<DigestResumer>();
        await resumer.RunOnceAsync();
        await resumer.RunOnceAsync();
        Assert.Equal(1, smtp.BodiesReceivedWhole);

        var unknown = await admin.GetFromJsonAsync<JsonElement>($"/api/digests/{id}/deliveries?state=unknown");
        var row = unknown.EnumerateArray().Single();
        Assert.Equal("quiet@example.org", row.GetProperty("email").GetString());
        Assert.Contains("no reply", row.GetProperty("lastReply").GetString());

        smtp.Script = _ => DataBehaviour.Accept;
        var resent = await admin.PostAsync($"/api/digests/{id}/deliveries/{row.GetProperty("id").GetInt64()}/resend", null);
        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        var done = await DigestApi.WaitAsync(admin, resent.Headers.Location!.ToString(), d => d.GetProperty("state").GetString() is "sent" or "failed" or "unknown");
        Assert.Equal("sent", done.GetProperty("state").GetString());
        Assert.Equal(1, smtp.Accepted);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync($"/api/digests/{id}/deliveries/{row.GetProperty("id").GetInt64()}/resend", null)).StatusCode);
    }
}
