using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Publisher.Tests.Support;

namespace Publisher.Tests.Admin;

/// <summary>The digests page: send now, the counts per state and charts, the next digest's preview, and the admin's resend of an Unknown delivery.</summary>
public sealed class ConsoleDigestTests
{
    private static async Task<(PublisherFactory Factory, ConsoleBrowser Browser, HttpClient Api)> StartAsync(TempSite site, Dictionary<string, string?> smtp)
    {
        var settings = site.Settings();
        settings["Publisher:Site:Language"] = "en";
        foreach (var (k, v) in smtp) settings[k] = v;
        var factory = new PublisherFactory(settings);
        var api = factory.CreateAdminClient();
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/lists", new { name = "news" })).StatusCode);
        foreach (var email in new[] { "ada@example.org", "bob@example.org" })
            Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/lists/news/subscribers", new { email, confirmed = true })).StatusCode);
        Assert.True((await api.PostAsJsonAsync("/api/articles", new { title = "Winter heating notice", publishedAt = "2026-11-28 08:00", contentText = "Body." })).IsSuccessStatusCode);
        return (factory, await ConsoleBrowser.SignedInAsync(factory), api);
    }

    [Fact]
    public async Task SendNowQueuesTheDigestAndThePageCountsWhatWasSentWithChartsAndThePreviewBefore()
    {
        using var site = new TempSite();
        await using var smtp = new TestSmtpServer();
        var (factory, browser, _) = await StartAsync(site, smtp.Settings());
        await using var _ = factory;

        string before = await browser.PageAsync("/admin/lists/news/digests");
        Assert.Matches(@"<iframe class=""preview"" sandbox srcdoc=""[^""]*Winter heating notice", before);
        Assert.Contains("No digest has been made for this list yet.", before);
        Assert.Contains("href=\"/hangfire\"", before);

        var send = await browser.SubmitAsync("/admin/lists/news/digests", "/admin/lists/news/digests/send", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, send.StatusCode);
        Assert.Matches(@"^/admin/lists/news/digests\?done=queued&digest=\d+$", send.Headers.Location!.OriginalString);
        await Eventually.HoldsAsync(() => Task.FromResult(smtp.Received.Count == 2), TimeSpan.FromSeconds(30), "both mails reach the SMTP server");

        string after = "";
        await Eventually.HoldsAsync(async () => Regex.IsMatch(after = await browser.PageAsync("/admin/lists/news/digests"),
            @"<td class=""num"" data-label=""Sent"">2</td>"), TimeSpan.FromSeconds(30), () => "the page counts 2 sent");
        Assert.Matches(@"<td class=""num"" data-label=""Pending"">0</td>", after);
        Assert.Matches(@"<svg class=""chart""[^>]*role=""img""", after);
        Assert.Matches(@"<title>Digest #\d+: 2 sent \(0 bounced later\), 0 failed, 0 unknown</title>", after);
        Assert.Matches(@"<title id=""confirmed-chart-title"">Confirmed members per day, the last 60 days: \d+ then, 2 now</title>", after);
        Assert.Contains("Nothing is new for this list since its last digest.", after);

        var again = await browser.SubmitAsync("/admin/lists/news/digests", "/admin/lists/news/digests/send", new Dictionary<string, string>());
        Assert.Equal("/admin/lists/news/digests?done=nothing", again.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task AnUnknownDeliveryIsListedAndSentAgainOnlyWhenTheAdminSaysSo()
    {
        using var site = new TempSite();
        await using var smtp = new ScriptedSmtpServer { Script = _ => DataBehaviour.NeverReply };
        var settings = new Dictionary<string, string?>
        {
            ["Publisher:Smtp:Host"] = "127.0.0.1", ["Publisher:Smtp:Port"] = smtp.Port.ToString(), ["Publisher:Smtp:Security"] = "None",
            ["Publisher:Smtp:From"] = "digest@feeds.example.test", ["Publisher:Smtp:TimeoutSeconds"] = "2", ["Publisher:Smtp:RetryDelayMilliseconds"] = "10",
            ["Publisher:Smtp:MaxConnections"] = "1",
        };
        var (factory, browser, api) = await StartAsync(site, settings);
        await using var _ = factory;
        var digest = (await DigestApi.SendNowAsync(api))!.Value;
        int id = digest.GetProperty("id").GetInt32();
        Assert.Equal(2, DigestApi.Count(digest, "unknown"));

        string page = await browser.PageAsync("/admin/lists/news/digests");
        var forms = Regex.Matches(page, @"<form method=""post"" action=""(/admin/lists/news/deliveries/(\d+)/resend)"">");
        Assert.Equal(2, forms.Count);
        Assert.Contains("ada@example.org", page);
        Assert.Matches(@"<td class=""num"" data-label=""Unknown"">2</td>", page);

        smtp.Script = _ => DataBehaviour.Accept;
        var resend = await browser.SubmitAsync("/admin/lists/news/digests", forms[0].Groups[1].Value, new Dictionary<string, string>());
        Assert.Equal("/admin/lists/news/digests?done=resent", resend.Headers.Location!.OriginalString);
        long deliveryId = long.Parse(forms[0].Groups[2].Value);
        await DigestApi.WaitAsync(api, $"/api/digests/{id}/deliveries/{deliveryId}", d => d.GetProperty("state").GetString() == "sent");
        Assert.Equal(1, smtp.Accepted); // the other stays Unknown: nobody said to send it
        var after = await api.GetFromJsonAsync<JsonElement>($"/api/digests/{id}");
        Assert.Equal(1, DigestApi.Count(after, "unknown"));

        // Sent already: a second press changes nothing.
        var twice = await browser.Client.PostAsync(forms[0].Groups[1].Value,
            new FormUrlEncodedContent([new("__RequestVerificationToken", await browser.TokenAsync("/admin/lists/news/digests"))]));
        Assert.Equal("/admin/lists/news/digests?done=notresendable", twice.Headers.Location!.OriginalString);
        Assert.Equal(1, smtp.Accepted);
    }
}
