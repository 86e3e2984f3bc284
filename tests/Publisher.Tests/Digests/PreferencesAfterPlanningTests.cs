using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Publisher.Data;
using Publisher.Digests;
using Publisher.Subscribers;
using Publisher.Tests.Support;

namespace Publisher.Tests.Digests;

/// <summary>
/// A member who pauses or chooses other categories between the digest's planning and its sending: the sender skips their
/// row (not a failure of the mail). The host runs without its schedule and resumer, so nothing sends the digest early.
/// </summary>
public sealed class PreferencesAfterPlanningTests : IAsyncLifetime
{
    private readonly TempSite _site = new();
    private readonly TestSmtpServer _smtp = new();
    private PublisherFactory _parent = null!;
    private WebApplicationFactory<Program> _factory = null!;

    public async Task InitializeAsync()
    {
        var settings = _site.Settings(_smtp.Settings());
        _parent = new PublisherFactory(settings);
        _factory = _parent.WithWebHostBuilder(host => host.ConfigureTestServices(services =>
        {
            var digestServices = services.Where(d => d.ServiceType == typeof(IHostedService)
                && d.ImplementationFactory?.Method.DeclaringType?.FullName?.StartsWith(typeof(DigestsExtensions).FullName!) == true).ToList();
            if (digestServices.Count != 2) throw new InvalidOperationException($"expected the schedule and the resumer, found {digestServices.Count}");
            foreach (var d in digestServices) services.Remove(d);
        }));
        var admin = _factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", TempSite.AdminKey);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/lists", new { name = "news" })).StatusCode);
        Assert.True((await admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true",
            new StringContent("email,name\nstays@example.org,甲\npauses@example.org,乙\nchooses@example.org,丙\n"))).IsSuccessStatusCode);
        foreach (var (slug, category) in new[] { ("x1", "通知公告"), ("x2", "人民监督") })
            Assert.True((await admin.PostAsJsonAsync("/api/articles", new { slug, title = slug + "标题", publishedAt = "2026-11-20 09:00", category, contentText = "正文。" }))
                .IsSuccessStatusCode);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _parent.DisposeAsync();
        await _smtp.DisposeAsync();
        _site.Dispose();
    }

    [Fact]
    public async Task APauseOrACategoryChoiceMadeAfterPlanningSkipsTheRowAndSendsNothingToThem()
    {
        int digestId;
        using (var scope = _factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var list = await db.Lists.SingleAsync();
            digestId = (await scope.ServiceProvider.GetRequiredService<DigestPlanner>().CreateAsync(list))!.Id;
            Assert.Equal(3, await db.Deliveries.CountAsync(d => d.DigestId == digestId));
            // The changes the preference centre makes, after the ledger was written.
            await db.Memberships.Where(m => m.Subscriber.EmailKey == "pauses@example.org")
                .ExecuteUpdateAsync(m => m.SetProperty(x => x.PausedUntilUtc, DateTime.UtcNow.AddDays(7)));
            await db.Memberships.Where(m => m.Subscriber.EmailKey == "chooses@example.org")
                .ExecuteUpdateAsync(m => m.SetProperty(x => x.Categories, "政务公开"));
        }

        var outcome = await _factory.Services.GetRequiredService<DigestSender>().SendAsync(digestId, "http://feeds.example.test");
        Assert.Equal(1, outcome.Sent);
        Assert.Equal(2, outcome.Skipped);
        Assert.Equal(0, outcome.Failed);
        Assert.Equal("stays@example.org", Assert.Single(_smtp.Received).To.Mailboxes.Single().Address);
        using (var scope = _factory.Services.CreateScope())
        {
            var replies = await scope.ServiceProvider.GetRequiredService<PublisherDbContext>().Deliveries.Where(d => d.DigestId == digestId && d.State == DeliveryState.Failed)
                .Select(d => d.LastReply).OrderBy(r => r).ToListAsync();
            Assert.Equal(["not sent: nothing new in the member's categories", "not sent: the member paused deliveries"], replies);
        }
    }
}
