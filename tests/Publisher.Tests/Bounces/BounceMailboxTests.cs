using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Publisher.Bounces;
using Publisher.Data;
using Publisher.Digests;
using Publisher.Subscribers;
using Publisher.Tests.Support;

namespace Publisher.Tests.Bounces;

/// <summary>
/// Reports in a real IMAP mailbox (dovecot), read by the real host: digests go out (to the outbox), reports about them
/// are appended to the mailbox, and a pass is asked for through the admin API, as an admin would.
/// </summary>
[Collection(BounceMailboxTests.Collection)]
[Trait("Db", "Both")]
public sealed class BounceMailboxTests : IAsyncLifetime
{
    /// <summary>The bounce tests start and stop many hosts; they take turns rather than stop each other's.</summary>
    public const string Collection = "Bounce mailbox";
    private const string Inbox = "INBOX";
    private const string Done = "Processed";
    private readonly TempSite _site = new();
    private readonly CollectedLog _log = new();
    private DovecotServer _imap = null!;
    private PublisherFactory? _parent;
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _admin = null!;
    private int _round, _digestId;

    public async Task InitializeAsync() => _imap = await DovecotServer.CreateAsync();

    public async Task DisposeAsync()
    {
        if (_parent is not null)
        {
            await _factory.DisposeAsync();
            await _parent.DisposeAsync();
        }
        await _imap.DisposeAsync();
        _site.Dispose();
    }

    /// <summary>The host with four confirmed members on "news". Its own poller is taken out: the tests ask for each pass.</summary>
    private async Task StartHostAsync(Dictionary<string, string?>? extra = null, bool mailbox = true)
    {
        var settings = _site.Settings();
        if (mailbox) foreach (var (k, v) in _imap.Settings()) settings[k] = v;
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        _parent = new PublisherFactory(settings);
        _factory = _parent.WithWebHostBuilder(host => host
            .ConfigureServices(services => services.AddSingleton<ILoggerProvider>(_log))
            .ConfigureTestServices(services => services.Remove(services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(BouncePoller)))));
        _admin = _factory.CreateClient();
        _admin.DefaultRequestHeaders.Authorization = new("Bearer", TempSite.AdminKey);
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news", description = "政务要闻" })).StatusCode);
        var csv = "email,name\n" + string.Join('\n', Enumerable.Range(1, 4).Select(i => $"reader{i}@example.org,读者{i}"));
        var imported = await _admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent(csv));
        Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Makes and sends the next digest as <c>digest send</c> does, in this host (the outbox takes every copy); the
    /// Message-ID each member's copy went out with. Not through the API's Hangfire jobs: Hangfire logs through a
    /// process-wide provider that a test host disposed in parallel breaks (see Bounces/README.md).
    /// </summary>
    private async Task<Dictionary<string, string>> SendDigestAsync()
    {
        _round++;
        var posted = await _admin.PostAsJsonAsync("/api/articles", new
        {
            slug = $"round-{_round}", title = $"第{_round}期：关于做好冬季供暖保障工作的通知", publishedAt = "2026-11-20 09:00", category = "通知公告",
            contentText = "为切实做好今冬明春供暖保障工作，确保群众温暖过冬，现将有关事项通知如下。",
        });
        Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        var list = await db.Lists.SingleAsync(l => l.Name == "news");
        var run = await scope.ServiceProvider.GetRequiredService<DigestRuns>().RunAsync(list);
        _digestId = run.DigestId ?? throw new InvalidOperationException(run.Nothing);
        return await db.Deliveries.Where(d => d.DigestId == _digestId && d.State == DeliveryState.Sent)
            .Join(db.Subscribers, d => d.SubscriberId, s => s.Id, (d, s) => new { s.Email, d.MessageId })
            .ToDictionaryAsync(x => x.Email, x => x.MessageId);
    }

    private async Task<JsonElement> PollAsync()
    {
        var response = await _admin.PostAsync("/api/bounces/poll", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static int Recorded(JsonElement poll, string kind) =>
        poll.GetProperty("pass").GetProperty("recorded").TryGetProperty(kind, out var n) ? n.GetInt32() : 0;

    private static int Count(JsonElement status, string counter) => status.GetProperty("counts").GetProperty(counter).GetInt32();

    private async Task<Membership> MemberAsync(string email)
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        return await db.Memberships.AsNoTracking().SingleAsync(m => m.Subscriber.EmailKey == email);
    }

    /// <summary>Every member and delivery row as text: what bad input must leave exactly as it was.</summary>
    private async Task<string> LedgerAsync()
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        var members = await db.Memberships.AsNoTracking().OrderBy(m => m.Id)
            .Select(m => $"{m.Id} {m.Status} {m.ConsecutiveBounces} {m.UnsubscribeReason} {m.UpdatedUtc:O}").ToListAsync();
        var deliveries = await db.Deliveries.AsNoTracking().OrderBy(d => d.Id)
            .Select(d => $"{d.Id} {d.State} {d.Attempts} {d.LastReply} {d.UpdatedUtc:O}").ToListAsync();
        return string.Join('\n', members.Concat(deliveries));
    }

    [Fact]
    public async Task HardBouncesFromPostfixEximAndGmailCountLikeRefusalsAtSendAndTheThirdMakesTheMemberBounced()
    {
        await _imap.StartAsync();
        await StartHostAsync();
        string[] styles = [SampleReports.PostfixHard, SampleReports.EximHard, SampleReports.GmailHard];
        for (int round = 1; round <= 3; round++)
        {
            // Each digest is accepted by the server, which resets the member's count at send time; the report comes later.
            var sent = await SendDigestAsync();
            await _imap.AppendAsync(Inbox, SampleReports.Bytes(styles[round - 1], sent["reader1@example.org"], "reader1@example.org", $"round{round}"));
            if (round == 1) Assert.Null(await _imap.MessageIdsAsync(Done)); // made by the first pass

            var poll = await PollAsync();
            Assert.Equal(JsonValueKind.Null, poll.GetProperty("pass").GetProperty("error").ValueKind);
            Assert.Equal(1, Recorded(poll, "hard"));
            Assert.Equal(1, poll.GetProperty("pass").GetProperty("moved").GetInt32());
            var member = await MemberAsync("reader1@example.org");
            Assert.Equal(round, member.ConsecutiveBounces);
            Assert.Equal(round < 3 ? MembershipStatus.Confirmed : MembershipStatus.Bounced, member.Status);
        }

        Assert.Empty((await _imap.MessageIdsAsync(Inbox))!);
        Assert.Equal(3, (await _imap.MessageIdsAsync(Done))!.Count);
        var status = await _admin.GetFromJsonAsync<JsonElement>("/api/bounces");
        Assert.Equal(3, Count(status, "hard"));
        Assert.Equal(3, Count(status, "processed"));
        foreach (var other in new[] { "reader2@example.org", "reader3@example.org", "reader4@example.org" })
        {
            var member = await MemberAsync(other);
            Assert.Equal((MembershipStatus.Confirmed, 0), (member.Status, member.ConsecutiveBounces));
        }
        var bounced = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers?status=bounced");
        Assert.Equal("reader1@example.org", bounced.GetProperty("items").EnumerateArray().Single().GetProperty("email").GetString());
        Assert.DoesNotContain("reader1@example.org", (await SendDigestAsync()).Keys); // no more digests for a bounced member
    }

    [Fact]
    public async Task AHardBounceThatReturnsNoHeadersIsMatchedByItsRecipient()
    {
        await _imap.StartAsync();
        await StartHostAsync();
        var sent = await SendDigestAsync();
        await _imap.AppendAsync(Inbox, SampleReports.Bytes(SampleReports.SendmailHardWithoutHeaders, "unused@nowhere", "Reader4@Example.org"));

        Assert.Equal(1, Recorded(await PollAsync(), "hard"));
        Assert.Equal(1, (await MemberAsync("reader4@example.org")).ConsecutiveBounces);
        var report = (await _admin.GetFromJsonAsync<JsonElement>("/api/bounces/reports?kind=hard")).GetProperty("items").EnumerateArray().Single();
        var delivery = (await _admin.GetFromJsonAsync<JsonElement>($"/api/digests/{_digestId}/deliveries")).EnumerateArray()
            .Single(d => d.GetProperty("messageId").GetString() == sent["reader4@example.org"]);
        Assert.Equal(delivery.GetProperty("id").GetInt64(), report.GetProperty("deliveryId").GetInt64());
        Assert.Equal("5.2.1", report.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ASoftBounceIsRecordedAndMovedButNeverCounts()
    {
        await _imap.StartAsync();
        await StartHostAsync(new() { ["Publisher:Digests:HardBouncesBeforeBounced"] = "1" }); // one hard bounce would be enough
        var sent = await SendDigestAsync();
        await _imap.AppendAsync(Inbox, SampleReports.Bytes(SampleReports.PostfixDelayed, sent["reader2@example.org"], "reader2@example.org"));

        var poll = await PollAsync();
        Assert.Equal(1, Recorded(poll, "soft"));
        var member = await MemberAsync("reader2@example.org");
        Assert.Equal((MembershipStatus.Confirmed, 0), (member.Status, member.ConsecutiveBounces));
        Assert.Equal(1, Count(poll.GetProperty("status"), "soft"));
        Assert.Equal(0, Count(poll.GetProperty("status"), "hard"));
        Assert.Empty((await _imap.MessageIdsAsync(Inbox))!);
        Assert.Single((await _imap.MessageIdsAsync(Done))!);
    }

    [Fact]
    public async Task AComplaintUnsubscribesTheMemberFromThatListWithTheReason()
    {
        await _imap.StartAsync();
        await StartHostAsync();
        var sent = await SendDigestAsync();
        await _imap.AppendAsync(Inbox, SampleReports.Bytes(SampleReports.Complaint, sent["reader3@example.org"], "reader3@example.org"));

        var poll = await PollAsync();
        Assert.Equal(1, Recorded(poll, "complaint"));
        var member = await MemberAsync("reader3@example.org");
        Assert.Equal(MembershipStatus.Unsubscribed, member.Status);
        Assert.NotNull(member.UnsubscribedUtc);
        Assert.Contains("complaint", member.UnsubscribeReason);
        Assert.Contains("abuse", member.UnsubscribeReason);
        Assert.Equal(1, Count(poll.GetProperty("status"), "complaints"));
        var unsubscribed = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers?status=unsubscribed");
        Assert.Equal("reader3@example.org", unsubscribed.GetProperty("items").EnumerateArray().Single().GetProperty("email").GetString());
        Assert.DoesNotContain("reader3@example.org", (await SendDigestAsync()).Keys);
        Assert.Single((await _imap.MessageIdsAsync(Done))!);
    }

    [Fact]
    public async Task AReportReadTwiceAndTwoReportsOfOneDeliveryCountOnce()
    {
        await _imap.StartAsync();
        await StartHostAsync(new() { ["Publisher:Digests:HardBouncesBeforeBounced"] = "2" });
        var sent = await SendDigestAsync();
        string id = sent["reader1@example.org"];
        var report = SampleReports.Bytes(SampleReports.PostfixHard, id, "reader1@example.org", "same");
        // The same report twice (delivered twice), and a second relay's report of the same delivery.
        await _imap.AppendAsync(Inbox, report, report, SampleReports.Bytes(SampleReports.EximHard, id, "reader1@example.org", "other"));
        var first = await PollAsync();
        Assert.Equal(2, Recorded(first, "hard"));
        Assert.Equal(3, first.GetProperty("pass").GetProperty("moved").GetInt32());
        var member = await MemberAsync("reader1@example.org");
        Assert.Equal((MembershipStatus.Confirmed, 1), (member.Status, member.ConsecutiveBounces));

        // Read again, as after a move that failed: known, moved, not counted.
        await _imap.AppendAsync(Inbox, report);
        var again = await PollAsync();
        Assert.Equal(0, Recorded(again, "hard"));
        Assert.Equal(1, again.GetProperty("pass").GetProperty("moved").GetInt32());
        member = await MemberAsync("reader1@example.org");
        Assert.Equal((MembershipStatus.Confirmed, 1), (member.Status, member.ConsecutiveBounces));
        Assert.Equal(2, Count(again.GetProperty("status"), "processed"));
        Assert.Empty((await _imap.MessageIdsAsync(Inbox))!);
    }

    [Fact]
    public async Task ReportsNamingNoDeliveryAndUnreadableOnesAreCountedOnceLeftInTheMailboxAndChangeNothingElse()
    {
        await _imap.StartAsync();
        await StartHostAsync();
        await SendDigestAsync();
        string before = await LedgerAsync();
        await _imap.AppendAsync(Inbox,
            SampleReports.Bytes(SampleReports.Unmatched),
            // Looks like one of ours, but no digest 999 was ever sent.
            SampleReports.Bytes(SampleReports.PostfixHard, "digest-999.subscriber-1@feeds.example.test", "reader1@example.org", "ghost"),
            SampleReports.Bytes(SampleReports.Malformed),
            SampleReports.Bytes(SampleReports.AutoReply));

        var poll = await PollAsync();
        Assert.Equal(JsonValueKind.Null, poll.GetProperty("pass").GetProperty("error").ValueKind);
        Assert.Equal((2, 2), (Recorded(poll, "unmatched"), Recorded(poll, "malformed")));
        Assert.Equal(4, poll.GetProperty("pass").GetProperty("left").GetInt32());
        Assert.Equal(before, await LedgerAsync());
        Assert.Equal(4, (await _imap.MessageIdsAsync(Inbox))!.Count);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("unmatched") && e.Message.Contains("digest-999.subscriber-1"));
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("malformed") && e.Message.Contains("not a delivery report"));
        var unmatched = await _admin.GetFromJsonAsync<JsonElement>("/api/bounces/reports?kind=unmatched");
        Assert.All(unmatched.GetProperty("items").EnumerateArray(), r => Assert.Contains("matches no delivery", r.GetProperty("detail").GetString()));

        var again = await PollAsync();
        Assert.Empty(again.GetProperty("pass").GetProperty("recorded").EnumerateObject());
        var status = again.GetProperty("status");
        Assert.Equal((4, 2, 2, 0), (Count(status, "processed"), Count(status, "unmatched"), Count(status, "malformed"), Count(status, "hard")));
        Assert.Equal(before, await LedgerAsync());
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task AnUnreachableMailboxIsLoggedAndCountedAndTheNextPassTriesAgain()
    {
        await StartHostAsync(); // dovecot not started: nothing listens on its port
        var sent = await SendDigestAsync();
        var failed = await PollAsync();
        string error = failed.GetProperty("pass").GetProperty("error").GetString()!;
        Assert.Contains($"cannot reach 127.0.0.1:{_imap.Port}", error);
        var status = failed.GetProperty("status");
        Assert.Equal((1, 1), (status.GetProperty("passes").GetInt32(), status.GetProperty("failedPasses").GetInt32()));
        Assert.Equal(error, status.GetProperty("lastError").GetString());
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("cannot reach") && e.Message.Contains("next pass tries again"));
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync("/healthz")).StatusCode);

        await _imap.StartAsync();
        await _imap.AppendAsync(Inbox, SampleReports.Bytes(SampleReports.GmailHard, sent["reader2@example.org"], "reader2@example.org"));
        var next = await PollAsync();
        Assert.Equal(JsonValueKind.Null, next.GetProperty("pass").GetProperty("error").ValueKind);
        Assert.Equal(1, Recorded(next, "hard"));
        status = next.GetProperty("status");
        Assert.Equal((2, 1), (status.GetProperty("passes").GetInt32(), status.GetProperty("failedPasses").GetInt32()));
        Assert.Equal(1, (await MemberAsync("reader2@example.org")).ConsecutiveBounces);
    }

    [Fact]
    public async Task ARefusedLoginIsLoggedAndCountedAndTheNextPassTriesAgain()
    {
        await _imap.StartAsync();
        await StartHostAsync();
        var sent = await SendDigestAsync();
        await _imap.AppendAsync(Inbox, SampleReports.Bytes(SampleReports.PostfixHard, sent["reader2@example.org"], "reader2@example.org"));
        await _imap.SetPasswordAsync("a-password-the-service-does-not-have");

        var refused = await PollAsync();
        Assert.Contains("refused the login of 'bounces'", refused.GetProperty("pass").GetProperty("error").GetString());
        Assert.Equal(1, refused.GetProperty("status").GetProperty("failedPasses").GetInt32());
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("refused the login"));
        Assert.DoesNotContain(_log.Entries, e => e.Message.Contains(DovecotServer.Password)); // the password is never logged
        Assert.Equal(0, (await MemberAsync("reader2@example.org")).ConsecutiveBounces);

        await _imap.SetPasswordAsync(DovecotServer.Password);
        var next = await PollAsync();
        Assert.Equal(1, Recorded(next, "hard"));
        Assert.Equal(1, (await MemberAsync("reader2@example.org")).ConsecutiveBounces);
    }

    [Fact]
    public async Task WithoutAMailboxNothingIsPolledAndTheApiSaysSo()
    {
        await StartHostAsync(mailbox: false);
        var status = await _admin.GetFromJsonAsync<JsonElement>("/api/bounces");
        Assert.False(status.GetProperty("enabled").GetBoolean());
        Assert.Equal(0, Count(status, "processed"));
        var poll = await _admin.PostAsync("/api/bounces/poll", null);
        Assert.Equal(HttpStatusCode.Conflict, poll.StatusCode);
        Assert.Contains("Publisher:Bounces:Imap:Host", await poll.Content.ReadAsStringAsync());
    }
}
