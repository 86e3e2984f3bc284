using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Publisher.Data;
using Publisher.Digests;
using Publisher.Tests.Support;

namespace Publisher.Tests.Digests;

/// <summary>What outlives Publisher:Digests:RetryFor becomes Failed, with the reason, and the rest of the list is sent.</summary>
[Trait("Db", "Both")]
public sealed class RetryForTests : IAsyncLifetime
{
    private readonly TempSite _site = new();
    private readonly FaultySmtpServer _smtp = new();
    private PublisherFactory _factory = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        var settings = _site.Settings();
        foreach (var (k, v) in _smtp.Settings(maxConnections: 2)) settings[k] = v;
        settings["Publisher:Digests:RetryDelays"] = "00:00:00.2";
        settings["Publisher:Digests:RetryFor"] = "00:00:01.5";
        _factory = new PublisherFactory(settings);
        _admin = _factory.CreateAdminClient();
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news" })).StatusCode);
        var csv = "email,name\n" + string.Join('\n', Enumerable.Range(1, 20).Select(i => $"r{i}@example.org,读者{i}"));
        Assert.True((await _admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent(csv, Encoding.UTF8, "text/csv"))).IsSuccessStatusCode);
        Assert.True((await _admin.PostAsJsonAsync("/api/articles", new { title = "新文章", publishedAt = "2026-11-28 08:00", contentText = "正文。" })).IsSuccessStatusCode);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
        _site.Dispose();
    }

    [Fact]
    public async Task AnAddressRefusedForNowPastRetryForIsFailedWithTheReasonAndTheOthersAreSent()
    {
        // Two addresses stay greylisted for an hour: far beyond the 1.5 s this site retries for.
        _smtp.Greylist = TimeSpan.FromHours(1);
        _smtp.GreylistWhere = a => a is "r3@example.org" or "r4@example.org";
        var response = await _admin.PostAsync("/api/lists/news/digests", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var digest = await DigestApi.WaitAsync(_admin, response.Headers.Location!.ToString(),
            d => DigestApi.Count(d, "sent") == 18 && DigestApi.Count(d, "failed") == 2, TimeSpan.FromSeconds(60));
        Assert.Equal(0, digest.GetProperty("waiting").GetInt32());

        using var scope = _factory.Services.CreateScope();
        var failed = await scope.ServiceProvider.GetRequiredService<PublisherDbContext>().Deliveries.AsNoTracking()
            .Where(d => d.State == DeliveryState.Failed).Select(d => d.LastReply).ToListAsync();
        Assert.All(failed, reply => Assert.Contains("gave up after", reply));
        Assert.True(_smtp.GreylistRefusals >= 4, $"each was tried more than once ({_smtp.GreylistRefusals} refusals)");
        Assert.Equal(18, _smtp.Delivered.Count);
        Assert.Empty(_smtp.Doubled());
    }
}
