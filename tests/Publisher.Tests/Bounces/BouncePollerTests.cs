using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Publisher.Bounces;
using Publisher.Tests.Support;

namespace Publisher.Tests.Bounces;

/// <summary>When the mailbox is read without anyone asking: by the service's poller, on its clock, and never by a verb.</summary>
[Collection(BounceMailboxTests.Collection)]
public sealed class BouncePollerTests : IAsyncLifetime
{
    private readonly TempSite _site = new();
    private DovecotServer _imap = null!;
    private PublisherFactory? _parent;
    private WebApplicationFactory<Program>? _factory;

    public async Task InitializeAsync() => _imap = await DovecotServer.CreateAsync();

    public async Task DisposeAsync()
    {
        if (_factory is not null) await _factory.DisposeAsync();
        if (_parent is not null) await _parent.DisposeAsync();
        await _imap.DisposeAsync();
        _site.Dispose();
    }

    /// <summary>The host without its own poller (it runs on the real clock); the tests start one on theirs.</summary>
    private WebApplicationFactory<Program> Host()
    {
        var settings = _site.Settings();
        foreach (var (k, v) in _imap.Settings()) settings[k] = v;
        _parent = new PublisherFactory(settings);
        return _factory = _parent.WithWebHostBuilder(host => host.ConfigureTestServices(services =>
            services.Remove(services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(BouncePoller)))));
    }

    [Fact]
    public async Task ThePollerReadsAtStartThenOncePerIntervalOnItsClockAndGoesOnAfterAFailedPass()
    {
        var mailbox = Host().Services.GetRequiredService<BounceMailbox>();
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-03T08:00:00Z"));
        var poller = new BouncePoller(mailbox, Options.Create(new BounceOptions { PollSeconds = 60 }), clock, NullLogger<BouncePoller>.Instance);
        await poller.StartAsync(CancellationToken.None);
        try
        {
            // The first pass finds nothing listening: counted, and the poller waits for its next turn.
            await Eventually.HoldsAsync(() => Task.FromResult(mailbox.State.Passes == 1 && clock.Waiting == 1), TimeSpan.FromSeconds(30),
                () => $"one pass, then a wait; {mailbox.State}, {clock.Waiting} timers");
            Assert.Equal(1, mailbox.State.FailedPasses);

            await _imap.StartAsync();
            await _imap.AppendAsync("INBOX", SampleReports.Bytes(SampleReports.Unmatched));
            clock.Advance(TimeSpan.FromSeconds(59));
            Assert.Equal(1, mailbox.State.Passes); // not yet due: no pass has begun

            clock.Advance(TimeSpan.FromSeconds(1));
            await Eventually.HoldsAsync(() => Task.FromResult(mailbox.State.Passes == 2 && clock.Waiting == 1), TimeSpan.FromSeconds(30),
                () => $"a second pass; {mailbox.State}");
            Assert.Equal(1, mailbox.State.FailedPasses);
            Assert.NotNull(mailbox.State.LastSuccessAt); // the second pass read the mailbox
        }
        finally
        {
            await poller.StopAsync(CancellationToken.None);
        }
        using var admin = _factory!.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", TempSite.AdminKey);
        var status = await admin.GetFromJsonAsync<JsonElement>("/api/bounces");
        Assert.Equal(1, status.GetProperty("counts").GetProperty("unmatched").GetInt32());
    }

    [Fact]
    public async Task AVerbNeverReadsTheMailbox()
    {
        await _imap.StartAsync();
        await _imap.AppendAsync("INBOX", SampleReports.Bytes(SampleReports.Unmatched));
        var args = _imap.Settings().Select(kv => $"--{kv.Key}={kv.Value}").Prepend("show").Prepend("lists").ToArray();
        var verb = await PublisherProcess.RunAsync(_site, args);
        Assert.True(verb.ExitCode == 0, verb.Stderr);

        Assert.Single((await _imap.MessageIdsAsync("INBOX"))!);
        Assert.Null(await _imap.MessageIdsAsync("Processed")); // not even logged in to
        using var admin = Host().CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", TempSite.AdminKey);
        var status = await admin.GetFromJsonAsync<JsonElement>("/api/bounces");
        Assert.Equal(0, status.GetProperty("counts").GetProperty("processed").GetInt32());
    }
}
