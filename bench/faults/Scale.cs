using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Publisher.Tests.Support;

namespace Publisher.Faults;

/// <summary>
/// Several hosts on one PostgreSQL database (bench/README.md, "Several hosts on PostgreSQL"): each run gets a new
/// database on the server of PUBLISHER_BENCH_POSTGRES (bench/faults/run.sh starts a private cluster and sets it).
/// </summary>
internal sealed class Scale(string dll, string server)
{
    /// <summary>SMTP connections per host in the kill runs (so at most this many of the killed host's messages are in flight).</summary>
    private const int Connections = 2;
    /// <summary>Per host in the timing runs: the service's default.</summary>
    private const int TimingConnections = 4;

    /// <summary>Three hosts share a digest; host 3 is SIGKILLed when <paramref name="killAt"/> messages are in.</summary>
    public async Task<(Run.Result Result, int[] SentBeforeKill)> KillAsync(int members, int killAt, int seed)
    {
        await using var smtp = new FaultySmtpServer(seed) { ReplyDelay = TimeSpan.FromMilliseconds(5) };
        var (hosts, cleanup) = await StartAsync(smtp, 3, Connections);
        try
        {
            await PrepareAsync(hosts[0], members);
            var clock = Stopwatch.StartNew();
            int id = await SendNowAsync(hosts[0]);
            while (smtp.Delivered.Count < killAt) await Task.Delay(5);
            var before = Enumerable.Range(1, 3).Select(i => smtp.Delivered.Count(d => d.Helo == $"h{i}.bench.example.org")).ToArray();
            await hosts[2].KillAsync();
            var result = await CountAsync($"3 hosts, SIGKILL one at {killAt} of {members}", smtp, hosts[0], id, members, Connections, clock);
            return (result, before);
        }
        finally { await cleanup(); }
    }

    /// <summary>The time <paramref name="count"/> hosts take to send one digest to <paramref name="members"/>.</summary>
    public async Task<TimeSpan> TimeAsync(int count, int members, TimeSpan replyDelay)
    {
        await using var smtp = new FaultySmtpServer(1) { ReplyDelay = replyDelay };
        var (hosts, cleanup) = await StartAsync(smtp, count, TimingConnections);
        try
        {
            await PrepareAsync(hosts[0], members);
            var clock = Stopwatch.StartNew();
            int id = await SendNowAsync(hosts[0]);
            var result = await CountAsync($"{count} hosts", smtp, hosts[0], id, members, 0, clock);
            if (result.Lost > 0 || result.Doubled > 0 || result.Unknown > 0) throw new InvalidOperationException(result.ToString());
            return result.Elapsed;
        }
        finally { await cleanup(); }
    }

    private async Task<(List<ServiceHost>, Func<Task>)> StartAsync(FaultySmtpServer smtp, int count, int connections)
    {
        string root = Path.Combine(Path.GetTempPath(), "publisher-scale", Guid.NewGuid().ToString("N"));
        string database = "bench_" + Guid.NewGuid().ToString("N")[..12];
        Psql($"CREATE DATABASE {database}");
        var builder = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = server };
        builder["Database"] = database;
        string cs = builder.ConnectionString;
        var hosts = new List<ServiceHost>();
        for (int i = 1; i <= count; i++)
        {
            string data = Path.Combine(root, $"host{i}", "data");
            Directory.CreateDirectory(data);
            Directory.CreateDirectory(Path.Combine(root, $"host{i}", "articles"));
            hosts.Add(await ServiceHost.StartAsync(dll, data,
                [.. smtp.Arguments(maxConnections: connections, timeoutSeconds: 10), "--Publisher:Database:Provider=Postgres", $"--ConnectionStrings:Publisher={cs}",
                 $"--Publisher:Smtp:HeloName=h{i}.bench.example.org"]));
        }
        return (hosts, async () =>
        {
            foreach (var h in hosts) await h.DisposeAsync();
            try { Psql($"DROP DATABASE IF EXISTS {database} WITH (FORCE)"); } catch (InvalidOperationException) { }
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        });
    }

    private void Psql(string sql)
    {
        var b = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = server };
        var start = new ProcessStartInfo("psql") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-h", b["Host"].ToString()!, "-p", b["Port"].ToString()!, "-U", b["Username"].ToString()!, "-d", "postgres", "-qc", sql })
            start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"psql {sql}: {p.StandardError.ReadToEnd()}");
    }

    private static async Task PrepareAsync(ServiceHost host, int members)
    {
        (await host.Admin.PostAsJsonAsync("/api/lists", new { name = "news" })).EnsureSuccessStatusCode();
        var csv = "email,name\n" + string.Join('\n', Enumerable.Range(1, members).Select(i => $"r{i}@example.org,读者{i}"));
        (await host.Admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent(csv, Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
        (await host.Admin.PostAsJsonAsync("/api/articles", new { title = "新文章", publishedAt = "2026-11-28 08:00", contentText = "正文。" })).EnsureSuccessStatusCode();
    }

    private static async Task<int> SendNowAsync(ServiceHost host)
    {
        var response = await host.Admin.PostAsync("/api/lists/news/digests", null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
    }

    private static async Task<Run.Result> CountAsync(string name, FaultySmtpServer smtp, ServiceHost host, int id, int members, int unknownBound, Stopwatch clock)
    {
        await host.WaitFinishedAsync(id, TimeSpan.FromMinutes(30));
        var elapsed = clock.Elapsed;
        var unknown = (await host.Admin.GetFromJsonAsync<JsonElement>($"/api/digests/{id}/deliveries?state=unknown")).EnumerateArray()
            .Select(r => r.GetProperty("email").GetString()!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var delivered = smtp.Delivered.Select(d => d.Recipient).ToHashSet(StringComparer.OrdinalIgnoreCase);
        int lost = Enumerable.Range(1, members).Select(i => $"r{i}@example.org").Count(a => !delivered.Contains(a) && !unknown.Contains(a));
        int doubled = smtp.Doubled().Count + smtp.DoubledMessageIds();
        return new Run.Result(name, members, lost, doubled, unknown.Count, unknownBound, elapsed);
    }
}
