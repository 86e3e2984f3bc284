using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Publisher.Data;
using Publisher.Digests;
using Publisher.Email;
using Publisher.Hosting;
using Publisher.Subscribers;
using Publisher.Tests.Support;

namespace Publisher.Tests.Digests;

/// <summary>The ledger's rules the fault suite does not single out: lost claims, resends, waiting rows, confirmations, zones.</summary>
[Trait("Db", "Both")]
public sealed class DeliveryLedgerTests : IAsyncLifetime
{
    private readonly TempSite _site = new();
    private readonly FaultySmtpServer _smtp = new();
    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> _factory = null!;
    private HttpClient _admin = null!;
    private HookedTransport _transport = null!;

    public async Task InitializeAsync()
    {
        var settings = _site.Settings();
        foreach (var (k, v) in _smtp.Settings(maxConnections: 2)) settings[k] = v;
        settings["Publisher:Digests:RetryDelays"] = "00:05:00"; // a deferred row waits through the whole test
        _factory = new PublisherFactory(settings).WithWebHostBuilder(b => b.ConfigureTestServices(services =>
            services.AddSingleton<IMailTransport>(sp => _transport = new HookedTransport(sp.GetRequiredService<SmtpMailTransport>()))));
        _admin = _factory.CreateClient();
        _admin.DefaultRequestHeaders.Authorization = new("Bearer", TempSite.AdminKey);
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news" })).StatusCode);
        _ = _factory.Services.GetRequiredService<IMailTransport>();
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
        _site.Dispose();
    }

    private async Task PrepareAsync(int members)
    {
        var csv = "email,name\n" + string.Join('\n', Enumerable.Range(1, members).Select(i => $"r{i}@example.org,读者{i}"));
        Assert.True((await _admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent(csv, Encoding.UTF8, "text/csv"))).IsSuccessStatusCode);
        Assert.True((await _admin.PostAsJsonAsync("/api/articles", new { title = "新文章", publishedAt = "2026-11-28 08:00", contentText = "正文。" })).IsSuccessStatusCode);
    }

    private async Task<int> MakeDigestAsync()
    {
        using var scope = _factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        return (await scope.ServiceProvider.GetRequiredService<DigestPlanner>().CreateAsync(db.Lists.Single(l => l.Name == "news")))!.Id;
    }

    [Fact]
    public async Task AMessageAcceptedAfterItsClaimWasTakenBackIsRecordedUnknownWithTheReasonAndNeverGoesOutAgain()
    {
        await PrepareAsync(20);
        int digestId = await MakeDigestAsync();
        // While r5's message is being handed over, the others take this process for dead (its renewals stopped, say)
        // and take its claims back: r5's row becomes Unknown, the rows it had only claimed Pending.
        _transport.Before = async message =>
        {
            if (message.To.Mailboxes.Single().Address != "r5@example.org") return;
            using var scope = _factory.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            await DeadProcesses.RecoverAsync(db, liveSince: DateTime.UtcNow.AddMinutes(1), now: DateTime.UtcNow);
        };

        var outcome = await _factory.Services.GetRequiredService<DigestSender>().SendAsync(digestId, "http://feeds.example.test");
        _transport.Before = _ => Task.CompletedTask;
        await _factory.Services.GetRequiredService<DigestSender>().SendAsync(digestId, "http://feeds.example.test");

        Assert.Equal(1, outcome.Unknown);
        using var check = _factory.Services.CreateScope();
        var rows = await check.ServiceProvider.GetRequiredService<PublisherDbContext>().Deliveries.AsNoTracking()
            .Join(check.ServiceProvider.GetRequiredService<PublisherDbContext>().Subscribers, d => d.SubscriberId, s => s.Id, (d, s) => new { s.Email, d.State, d.LastReply })
            .ToListAsync();
        var r5 = rows.Single(r => r.Email == "r5@example.org");
        Assert.Equal(DeliveryState.Unknown, r5.State);
        Assert.Contains("after this process's claim had been taken back", r5.LastReply);
        Assert.All(rows.Where(r => r.Email != "r5@example.org"), r => Assert.Equal(DeliveryState.Sent, r.State));
        Assert.Empty(_smtp.Doubled());
        Assert.Equal(20, _smtp.Delivered.Count);
    }

    [Fact]
    public async Task ARowWhoseSenderStillWaitsForTheServerIsNotHandedOverSoACrashLeavesItToBeSentNotUnknown()
    {
        await PrepareAsync(6);
        int digestId = await MakeDigestAsync();
        _smtp.OutageKind = SmtpOutage.StallAtGreeting;
        _smtp.Outage = true;
        var sending = _factory.Services.GetRequiredService<DigestSender>().SendAsync(digestId, "http://feeds.example.test");
        // Both workers have claimed rows and wait for a greeting that does not come.
        await Eventually.HoldsAsync(() => Task.FromResult(_smtp.Connections >= 2), TimeSpan.FromSeconds(10), "both connections wait for the greeting");
        using (var scope = _factory.Services.CreateScope())
        {
            // This process is taken for dead now (a crash would look the same to the others).
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var recovered = await DeadProcesses.RecoverAsync(db, liveSince: DateTime.UtcNow.AddMinutes(1), now: DateTime.UtcNow);
            Assert.Equal(0, recovered.Unknown);
            Assert.True(recovered.Pending > 0);
        }
        _smtp.Outage = false;
        await sending;
        await _factory.Services.GetRequiredService<DigestSender>().SendAsync(digestId, "http://feeds.example.test");

        using var check = _factory.Services.CreateScope();
        var states = await check.ServiceProvider.GetRequiredService<PublisherDbContext>().Deliveries.Where(d => d.DigestId == digestId).Select(d => d.State).ToListAsync();
        Assert.All(states, s => Assert.Equal(DeliveryState.Sent, s));
        Assert.Equal(6, _smtp.Delivered.Count);
        Assert.Empty(_smtp.Doubled());
    }

    [Fact]
    public async Task AWorkerGivingBackAStaleClaimNeverTouchesTheRowAnotherWorkerOfTheSameProcessIsHandingOver()
    {
        await PrepareAsync(5);
        int digestId = await MakeDigestAsync();
        var lease = _factory.Services.GetRequiredService<ProcessLease>();
        await lease.EnsureStartedAsync();
        using var scopeA = _factory.Services.CreateScope();
        using var scopeB = _factory.Services.CreateScope();
        var a = LedgerIn(scopeA, lease);
        var b = LedgerIn(scopeB, lease);

        // Worker A claims the rows and then hangs on a slow server for over half an hour: the sweep takes its claims back.
        var heldByA = await a.ClaimAsync(digestId, 50, CancellationToken.None);
        Assert.Equal(5, heldByA.Count);
        using (var sweep = _factory.Services.CreateScope())
        {
            var recovered = await DeadProcesses.RecoverAsync(sweep.ServiceProvider.GetRequiredService<PublisherDbContext>(),
                liveSince: DateTime.UtcNow.AddMinutes(-1), now: DateTime.UtcNow + DeadProcesses.StaleClaim + TimeSpan.FromMinutes(1));
            Assert.Equal(5, recovered.Pending);
        }
        // Worker B, same process, claims them again and is handing one over when A gives its old chunk back.
        var heldByB = await b.ClaimAsync(digestId, 50, CancellationToken.None);
        Assert.Equal(5, heldByB.Count);
        Assert.True(await b.SubmitAsync(heldByB[0].Id));
        await a.ReleaseAsync(heldByA.Select(r => r.Id).ToList(), includeSubmitting: true);

        using var check = _factory.Services.CreateScope();
        var rows = await check.ServiceProvider.GetRequiredService<PublisherDbContext>().Deliveries.AsNoTracking().Where(d => d.DigestId == digestId).ToListAsync();
        var inHand = rows.Single(r => r.Id == heldByB[0].Id);
        Assert.Equal((DeliveryState.Submitting, b.Claim), (inHand.State, inHand.ClaimedBy)); // not Pending: no third worker may send it again
        Assert.All(rows.Where(r => r.Id != inHand.Id), r => Assert.Equal(DeliveryState.Sending, r.State));
        Assert.NotEqual(a.Claim, b.Claim);
        Assert.StartsWith(lease.Id + "#", b.Claim);
    }

    /// <summary>A sending worker's ledger, as the sender makes one: the worker's own context (in <paramref name="scope"/>), this process's lease.</summary>
    private DeliveryLedger LedgerIn(IServiceScope scope, ProcessLease lease) =>
        new(scope.ServiceProvider.GetRequiredService<PublisherDbContext>(), _factory.Services.GetRequiredService<WriteGate>(),
            _factory.Services.GetRequiredService<LedgerMarks>(), TimeProvider.System, () => lease.Id);

    [Fact]
    public async Task MarksCommittedTogetherAnswerEachWorkerForItsOwnRowOnly()
    {
        await PrepareAsync(6);
        int digestId = await MakeDigestAsync();
        var lease = _factory.Services.GetRequiredService<ProcessLease>();
        await lease.EnsureStartedAsync();
        using var scopeA = _factory.Services.CreateScope();
        using var scopeB = _factory.Services.CreateScope();
        var a = LedgerIn(scopeA, lease);
        var b = LedgerIn(scopeB, lease);
        var heldByA = await a.ClaimAsync(digestId, 3, CancellationToken.None);
        var heldByB = await b.ClaimAsync(digestId, 3, CancellationToken.None);

        // All at once, so they share transactions: A's rows, B's rows, and B marking a row it does not hold.
        var submitted = await Task.WhenAll(heldByA.Select(r => a.SubmitAsync(r.Id)).Concat(heldByB.Select(r => b.SubmitAsync(r.Id)))
            .Append(b.SubmitAsync(heldByA[0].Id)));
        Assert.Equal([true, true, true, true, true, true, false], submitted);
        var finished = await Task.WhenAll(heldByA.Select(r => a.FinishAsync(r.Id, DeliveryState.Sent, "250 ok"))
            .Concat(heldByB.Select(r => b.FinishAsync(r.Id, DeliveryState.Failed, "550 no")))
            .Append(a.FinishAsync(heldByB[0].Id, DeliveryState.Sent, "250 not mine")));
        Assert.Equal([true, true, true, true, true, true, false], finished);

        using var check = _factory.Services.CreateScope();
        var rows = await check.ServiceProvider.GetRequiredService<PublisherDbContext>().Deliveries.AsNoTracking()
            .Where(d => d.DigestId == digestId).ToDictionaryAsync(d => d.Id);
        Assert.All(heldByA, r => Assert.Equal((DeliveryState.Sent, "250 ok", 1, true), (rows[r.Id].State, rows[r.Id].LastReply, rows[r.Id].Attempts, rows[r.Id].SentUtc is not null)));
        Assert.All(heldByB, r => Assert.Equal((DeliveryState.Failed, "550 no", 1, true), (rows[r.Id].State, rows[r.Id].LastReply, rows[r.Id].Attempts, rows[r.Id].SentUtc is null)));
        Assert.All(rows.Values, r => Assert.Null(r.ClaimedBy));
    }

    [Fact]
    public async Task AnOutcomeTriedAgainAfterItsCommitWentThroughFindsTheRowItsOwn()
    {
        // A commit whose reply was lost (a connection cut at that moment) is tried again: the row is already Sent and no
        // longer claimed, and only the same outcome, reply and time count as this worker's.
        await PrepareAsync(1);
        int digestId = await MakeDigestAsync();
        var lease = _factory.Services.GetRequiredService<ProcessLease>();
        await lease.EnsureStartedAsync();
        using var scope = _factory.Services.CreateScope();
        var ledger = LedgerIn(scope, lease);
        var row = Assert.Single(await ledger.ClaimAsync(digestId, 1, CancellationToken.None));
        Assert.True(await ledger.SubmitAsync(row.Id));
        var at = ledger.MarkTime();
        Assert.True(await ledger.FinishAsync(row.Id, DeliveryState.Sent, "250 ok", at));
        Assert.True(await ledger.FinishAsync(row.Id, DeliveryState.Sent, "250 ok", at)); // the same try again
        Assert.False(await ledger.FinishAsync(row.Id, DeliveryState.Sent, "250 ok", at.AddSeconds(1))); // another's
        Assert.False(await ledger.FinishAsync(row.Id, DeliveryState.Sent, "250 other", at));
        Assert.False(await ledger.FinishAsync(row.Id, DeliveryState.Unknown, "250 ok", at));

        using var check = _factory.Services.CreateScope();
        var stored = await check.ServiceProvider.GetRequiredService<PublisherDbContext>().Deliveries.AsNoTracking().SingleAsync(d => d.Id == row.Id);
        Assert.Equal((DeliveryState.Sent, "250 ok", 1, (string?)null), (stored.State, stored.LastReply, stored.Attempts, stored.ClaimedBy));
    }

    [Fact]
    public async Task AStoppedProcessNoLongerHoldsItsClaims()
    {
        var lease = _factory.Services.GetRequiredService<ProcessLease>();
        await lease.EnsureStartedAsync();
        Assert.True(lease.Holds);
        await lease.StopAsync();
        Assert.False(lease.Holds);
    }

    [Fact]
    public async Task ResendSendsOnlyTheRowAskedForAndGreylistedAddressesWaitWithoutHoldingUpTheRest()
    {
        await PrepareAsync(40);
        _smtp.Refused["r1@example.org"] = true;
        _smtp.Greylist = TimeSpan.FromMinutes(5);
        _smtp.GreylistWhere = a => a is "r2@example.org" or "r3@example.org";

        var response = await _admin.PostAsync("/api/lists/news/digests", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        string location = response.Headers.Location!.ToString();
        var digest = await DigestApi.WaitAsync(_admin, location, d => DigestApi.Count(d, "sent") == 37 && DigestApi.Count(d, "failed") == 1 && d.GetProperty("waiting").GetInt32() == 2);
        Assert.True(digest.GetProperty("nextTryAt").GetDateTime() > DateTime.UtcNow.AddMinutes(4)); // five minutes after their refusal
        Assert.Equal(2, _smtp.GreylistRefusals);

        _smtp.Refused.Clear();
        int id = digest.GetProperty("id").GetInt32();
        var failed = (await _admin.GetFromJsonAsync<JsonElement>($"/api/digests/{id}/deliveries?state=failed")).EnumerateArray().Single();
        var resent = await _admin.PostAsync($"/api/digests/{id}/deliveries/{failed.GetProperty("id").GetInt64()}/resend", null);
        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        var row = await DigestApi.WaitAsync(_admin, resent.Headers.Location!.ToString(), d => d.GetProperty("state").GetString() is "sent" or "failed" or "unknown");
        Assert.Equal("sent", row.GetProperty("state").GetString());
        Assert.Equal(2, _smtp.GreylistRefusals); // the resend touched nothing else
        Assert.Equal(38, _smtp.Delivered.Select(d => d.Recipient).Distinct().Count());
        Assert.Empty(_smtp.Doubled());
    }

    [Fact]
    public async Task AConfirmationMailIsMarkedSentOnlyAfterTheServerTookItAndADeadProcesssClaimIsTakenBack()
    {
        using (var scope = _factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var list = db.Lists.Single(l => l.Name == "news");
            // A member whose confirmation mail a process that died was sending.
            var now = DateTime.UtcNow;
            db.Memberships.Add(new Membership
            {
                List = list, Subscriber = new Subscriber { Email = "orphan@example.org", EmailKey = "orphan@example.org", CreatedUtc = now, UpdatedUtc = now },
                Status = MembershipStatus.Unconfirmed, SubscribedUtc = now, UpdatedUtc = now, ConfirmationRequestedUtc = now, ConfirmationClaimedBy = "gone:1:0123",
            });
            await db.SaveChangesAsync();
        }
        var states = new List<(string Email, DateTime? SentUtc, string? ClaimedBy)>();
        _transport.Before = async message =>
        {
            using var scope = _factory.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            string email = message.To.Mailboxes.Single().Address;
            var m = await db.Memberships.AsNoTracking().SingleAsync(x => x.Subscriber.Email == email);
            lock (states) states.Add((email, m.ConfirmationSentUtc, m.ConfirmationClaimedBy));
        };

        var client = _factory.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/subscribe", new { email = "new@example.org", list = "news" })).StatusCode);
        await _factory.Services.GetRequiredService<DigestResumer>().RunOnceAsync();
        await Eventually.HoldsAsync(() => Task.FromResult(_smtp.Delivered.Count == 2), TimeSpan.FromSeconds(30), "both confirmation mails are sent");

        var lease = _factory.Services.GetRequiredService<ProcessLease>();
        Assert.Equal(["new@example.org", "orphan@example.org"], states.Select(s => s.Email).Order());
        Assert.All(states, s => Assert.Equal((null, lease.Id), (s.SentUtc, s.ClaimedBy))); // claimed by this process, not yet marked sent
        using var check = _factory.Services.CreateScope();
        var after = await check.ServiceProvider.GetRequiredService<PublisherDbContext>().Memberships.AsNoTracking().ToListAsync();
        Assert.All(after, m => Assert.True(m.ConfirmationSentUtc is not null && m.ConfirmationClaimedBy is null));
    }

    [Fact]
    public async Task ADigestIsDatedInItsListsZoneAndAListWithAZoneThisMachineDoesNotKnowIsNotScheduled()
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        var list = db.Lists.Single(l => l.Name == "news");
        list.TimeZone = "America/New_York";
        var article = new Publisher.Articles.Article
        {
            Slug = "a", SourceKey = "a", ContentHash = "", Title = "新文章", Summary = "", BodyHtml = "", BodyText = "", PublishedUtc = new DateTime(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc),
        };
        // 02:00 UTC on the 28th is the 28th in Shanghai (the site's zone) and still the 27th in New York.
        var made = new DateTimeOffset(2026, 11, 28, 2, 0, 0, TimeSpan.Zero);
        var rendered = await scope.ServiceProvider.GetRequiredService<DigestComposer>().RenderAsync(list, [article], 0, "http://feeds.example.test", made);
        Assert.Contains("2026年11月27日", rendered.Email.Subject);

        var schedules = _factory.Services.GetRequiredService<DigestSchedules>();
        await schedules.SyncAsync();
        using var connection = _factory.Services.GetRequiredService<JobStorage>().GetConnection();
        Assert.Contains(connection.GetRecurringJobs(), j => j.Id == DigestSchedules.JobId(list.Id));
        await db.Lists.Where(l => l.Id == list.Id).ExecuteUpdateAsync(l => l.SetProperty(x => x.TimeZone, "Mars/Olympus_Mons"));
        await schedules.SyncAsync();
        Assert.DoesNotContain(connection.GetRecurringJobs(), j => j.Id == DigestSchedules.JobId(list.Id));
        var error = Assert.Throws<TimeZoneNotFoundException>(() => MailingLists.Zone(db.Lists.AsNoTracking().Single(l => l.Id == list.Id)));
        Assert.Contains("'news'", error.Message);
    }
}
