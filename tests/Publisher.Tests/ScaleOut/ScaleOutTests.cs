using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Npgsql;
using Publisher.Tests.Support;

namespace Publisher.Tests.ScaleOut;

/// <summary>
/// Several host processes (the built service, each its own process with its own data folder, as on separate machines)
/// against one PostgreSQL database and one SMTP server. Needs PostgreSQL: run with PUBLISHER_TEST_POSTGRES (test.sh
/// does); without it these fail rather than pass on SQLite.
/// </summary>
[Trait("Db", "Postgres")]
[Collection(ScaleOutCollection.Name)]
public sealed class ScaleOutTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private void Log(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:N1} s  {what}");

    private const int Members = 5000;

    [Fact]
    public async Task ThreeHostsShareADigestAndWhenOneIsKilledTheOthersFinishWithEverySubscriberServedOnce()
    {
        Assert.True(TestDatabase.IsPostgres, $"needs PostgreSQL: set {TestDatabase.Variable} (test.sh starts a cluster and sets it)");
        using var site = new TempSite();
        await using var smtp = new FaultySmtpServer();
        string[] helos = ["h1.example.test", "h2.example.test", "h3.example.test"];
        string doomed = helos[2];

        // Once frozen, the doomed host's messages are held at the end of DATA, then refused after the kill: what it had
        // in flight never reaches anyone, so its rows become Unknown and the admin's retry sends each exactly once.
        var frozen = false;
        int held = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        smtp.BeforeReply = async helo =>
        {
            if (!Volatile.Read(ref frozen) || helo != doomed) return null;
            Interlocked.Increment(ref held);
            await release.Task;
            return "451 4.3.0 held by the test";
        };

        var hosts = await StartHostsAsync(site, smtp, helos);
        try
        {
            using var admin = Admin(hosts[0]);
            await PrepareAsync(admin, Members);
            Log($"list of {Members} and an article in place");
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await admin.PostAsync("/api/lists/news/digests", null)).StatusCode);

            await Eventually.HoldsAsync(() => Task.FromResult(helos.All(h => SentBy(smtp, h) >= 20)), TimeSpan.FromSeconds(120),
                "all three hosts are sending");
            Volatile.Write(ref frozen, true);
            // Kill only when every row the doomed host is handing over is one the server holds: what it handed over
            // before has its outcome recorded, so nothing it sent can come back as Unknown and be sent twice.
            await Eventually.HoldsAsync(async () => Volatile.Read(ref held) > 0
                    && await SubmittingOfAsync(site.PostgresConnection!, hosts[2].Id) == Volatile.Read(ref held),
                TimeSpan.FromSeconds(60), "the doomed host's messages in hand are all held at the server");
            var before = helos.ToDictionary(h => h, h => SentBy(smtp, h));
            Log($"killing {doomed} with {held} held; sent so far: {string.Join(", ", before.Select(kv => $"{kv.Key} {kv.Value}"))}");
            await hosts[2].KillAsync();
            release.SetResult();
            Assert.All(helos, h => Assert.True(before[h] > 0, $"{h} sent nothing before the kill"));
            Assert.True(before.Values.Sum() < Members / 2, $"the kill came in the middle ({before.Values.Sum()} of {Members} sent before it)");

            var digest = await DigestApi.WaitAsync(admin, "/api/digests/1", DigestApi.Finished, TimeSpan.FromSeconds(240));
            Log($"finished: sent {DigestApi.Count(digest, "sent")}, unknown {DigestApi.Count(digest, "unknown")}");
            Assert.Equal(held, DigestApi.Count(digest, "unknown"));
            Assert.Equal(Members - held, DigestApi.Count(digest, "sent"));
            if (held > 0)
            {
                Assert.Equal(System.Net.HttpStatusCode.Accepted, (await admin.PostAsync("/api/digests/1/retry", null)).StatusCode);
                digest = await DigestApi.WaitAsync(admin, "/api/digests/1", d => DigestApi.Finished(d) && DigestApi.Count(d, "unknown") == 0,
                    TimeSpan.FromSeconds(120));
            }
            Assert.Equal(Members, DigestApi.Count(digest, "sent"));
            Assert.Equal(Members, await CountAsync(site.PostgresConnection!, """SELECT count(*) FROM "Deliveries" WHERE "State" = 'Sent'"""));

            var delivered = smtp.Delivered.ToList();
            Assert.Equal(Members, delivered.Count);
            Assert.Equal(Members, delivered.Select(d => d.Recipient).Distinct(StringComparer.OrdinalIgnoreCase).Count());
            Assert.Equal(Members, delivered.Select(d => d.MessageId).Distinct().Count());
            Log($"after: {string.Join(", ", helos.Select(h => $"{h} {SentBy(smtp, h)}"))}");
        }
        finally
        {
            foreach (var host in hosts) await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task APostgresRestartInTheMiddleOfADigestLosesAndDoublesNothing()
    {
        using var cluster = new PostgresCluster(); // its own server: restarting the shared one would fail other tests
        using var site = new TempSite(cluster.Server);
        await using var smtp = new FaultySmtpServer { ReplyDelay = TimeSpan.FromMilliseconds(5) };
        string[] helos = ["h1.example.test", "h2.example.test"];
        var hosts = await StartHostsAsync(site, smtp, helos);
        const int members = 2000;
        try
        {
            using var admin = Admin(hosts[0]);
            await PrepareAsync(admin, members);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await admin.PostAsync("/api/lists/news/digests", null)).StatusCode);
            await Eventually.HoldsAsync(() => Task.FromResult(smtp.Delivered.Count >= 300), TimeSpan.FromSeconds(120), "the hosts are sending");
            int before = smtp.Delivered.Count;
            Log($"restarting PostgreSQL with {before} sent");
            cluster.Restart();
            Log("PostgreSQL is back");
            Assert.True(before < members / 2, $"the restart came in the middle ({before} of {members} sent before it)");

            var digest = await DigestApi.WaitAsync(admin, "/api/digests/1", DigestApi.Finished, TimeSpan.FromSeconds(240));
            Log($"finished: sent {DigestApi.Count(digest, "sent")}, unknown {DigestApi.Count(digest, "unknown")}, failed {DigestApi.Count(digest, "failed")}");
            var delivered = smtp.Delivered.ToList();
            // Nothing doubled: one copy at most per recipient and per Message-ID.
            Assert.Equal(delivered.Count, delivered.Select(d => d.Recipient).Distinct(StringComparer.OrdinalIgnoreCase).Count());
            Assert.Equal(delivered.Count, delivered.Select(d => d.MessageId).Distinct().Count());
            // Nothing lost: every row sent, and the server has each.
            Assert.Equal(members, DigestApi.Count(digest, "sent"));
            Assert.Equal(members, delivered.Count);
        }
        finally
        {
            foreach (var host in hosts) await host.DisposeAsync();
        }
    }

    private static int SentBy(FaultySmtpServer smtp, string helo) => smtp.Delivered.Count(d => d.Helo == helo);

    /// <summary>Starts one host per EHLO name, each with its own data folder, all on the site's database.</summary>
    private static async Task<List<ServiceProcess>> StartHostsAsync(TempSite site, FaultySmtpServer smtp, string[] helos)
    {
        var starting = helos.Select((helo, i) => ServiceProcess.StartAsync(site, TimeSpan.FromSeconds(120),
        [
            .. smtp.Arguments(maxConnections: 2), "--Publisher:Site:BaseUrl=http://feeds.example.test",
            $"--Publisher:Smtp:HeloName={helo}", $"--Publisher:DataPath={Path.Combine(site.Root, $"host{i + 1}")}",
        ])).ToList();
        try
        {
            return [.. await Task.WhenAll(starting)];
        }
        catch
        {
            foreach (var t in starting.Where(t => t.IsCompletedSuccessfully)) await t.Result.DisposeAsync();
            throw;
        }
    }

    private static async Task PrepareAsync(HttpClient admin, int members)
    {
        Assert.True((await admin.PostAsJsonAsync("/api/lists", new { name = "news" })).IsSuccessStatusCode);
        var csv = "email,name\n" + string.Join('\n', Enumerable.Range(1, members).Select(i => $"r{i}@example.org,读者{i}"));
        var imported = await admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());
        Assert.True((await admin.PostAsJsonAsync("/api/articles", new { title = "新文章", publishedAt = "2026-11-28 08:00", contentText = "正文。" })).IsSuccessStatusCode);
    }

    /// <summary>Rows in Submitting under a claim of the process with this PID.</summary>
    private static Task<long> SubmittingOfAsync(string connectionString, int pid) => CountAsync(connectionString, $"""
        SELECT count(*) FROM "Deliveries" d JOIN "HostProcesses" p ON substr(d."ClaimedBy", 1, length(p."Id") + 1) = p."Id" || '#'
        WHERE d."State" = 'Submitting' AND p."ProcessId" = {pid}
        """);

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static HttpClient Admin(ServiceProcess service)
    {
        var client = new HttpClient { BaseAddress = new Uri(service.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TempSite.AdminKey);
        return client;
    }
}

/// <summary>
/// The multi-process tests run on their own, after the others: three hosts, a server restart and thousands of messages
/// beside the rest of the suite on two cores made starts take longer than any sensible bound.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScaleOutCollection
{
    public const string Name = "Scale-out processes";
}
