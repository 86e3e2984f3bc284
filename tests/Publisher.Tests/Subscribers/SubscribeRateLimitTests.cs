using System.Net;
using System.Net.Http.Json;
using Publisher.Tests.Support;

namespace Publisher.Tests.Subscribers;

public sealed class SubscribeRateLimitTests
{
    [Fact]
    public async Task OneClientGets429AfterItsPerMinuteAllowance()
    {
        using var site = new TempSite();
        var settings = site.Settings();
        settings["Publisher:Subscriptions:PerClientPerMinute"] = "3";
        using var factory = new PublisherFactory(settings);
        await factory.CreateAdminClient().PostAsJsonAsync("/api/lists", new { name = "news" });
        var client = factory.CreateClient();

        var codes = new List<HttpStatusCode>();
        for (int i = 0; i < 5; i++) codes.Add((await client.PostAsJsonAsync("/subscribe", new { email = $"p{i}@example.org", list = "news" })).StatusCode);

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], codes);
    }

    [Fact]
    public async Task OneTargetAddressGets429AfterItsHourlyAllowanceAndOnlyOneMail()
    {
        using var site = new TempSite();
        var settings = site.Settings();
        settings["Publisher:Subscriptions:PerAddressPerHour"] = "2";
        using var factory = new PublisherFactory(settings);
        await factory.CreateAdminClient().PostAsJsonAsync("/api/lists", new { name = "news" });
        var client = factory.CreateClient();

        var codes = new List<HttpStatusCode>();
        for (int i = 0; i < 4; i++) codes.Add((await client.PostAsJsonAsync("/subscribe", new { email = "victim@example.org", list = "news" })).StatusCode);

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], codes);
        string outbox = Path.Combine(site.DataPath, "outbox");
        await Eventually.HoldsAsync(() => Task.FromResult(Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.eml").Length == 1),
            TimeSpan.FromSeconds(10), "one confirmation mail in the outbox");
        await Task.Delay(500);
        Assert.Single(Directory.GetFiles(outbox, "*.eml"));
    }
}
