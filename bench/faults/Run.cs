using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Publisher.Tests.Support;

namespace Publisher.Faults;

/// <summary>One run of one fault against a fresh site: prepare a list, send a digest, break things, count at the server.</summary>
internal sealed class Run(string dll, Options options, int seed)
{
    private const int Connections = 4;

    public sealed record Result(string Name, int Messages, int Lost, int Doubled, int Unknown, int UnknownBound, TimeSpan Elapsed)
    {
        public bool UnknownWithinBound => Unknown <= UnknownBound;
        public override string ToString() => $"{Name}: {Messages} messages, lost {Lost}, doubled {Doubled}, unknown {Unknown} (bound {UnknownBound}), {Elapsed.TotalSeconds:N1} s";
    }

    public async Task<Result> ExecuteAsync(string scenario)
    {
        string root = Path.Combine(Path.GetTempPath(), "publisher-faults", Guid.NewGuid().ToString("N"));
        string data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(Path.Combine(root, "articles"));
        try
        {
            await using var smtp = new FaultySmtpServer(seed);
            return scenario switch
            {
                "deploy" => await DeployAsync(smtp, data, options.Subscribers ?? 1200),
                "crash-loop" => await CrashLoopAsync(smtp, data, options.Subscribers ?? 10_000),
                "outage" => await OutageAsync(smtp, data, options.Subscribers ?? 5000, TimeSpan.FromMinutes(options.Minutes)),
                _ => throw new ArgumentException($"unknown scenario '{scenario}': deploy, crash-loop, outage or all"),
            };
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static string[] Settings(FaultySmtpServer smtp, params string[] more) => [.. smtp.Arguments(maxConnections: Connections, timeoutSeconds: 10), .. more];

    /// <summary>A deploy: SIGTERM at a third and at two thirds of the digest, started again each time.</summary>
    private async Task<Result> DeployAsync(FaultySmtpServer smtp, string data, int members)
    {
        smtp.ReplyDelay = TimeSpan.FromMilliseconds(150);
        var settings = Settings(smtp);
        var host = await ServiceHost.StartAsync(dll, data, settings);
        await PrepareAsync(host, members);
        var clock = Stopwatch.StartNew();
        int id = await SendNowAsync(host);
        foreach (int at in new[] { members / 3, 2 * members / 3 })
        {
            while (smtp.Delivered.Count < at) await Task.Delay(20);
            int exit = await host.TerminateAsync();
            if (exit != 0) throw new InvalidOperationException($"the service exited {exit} on SIGTERM:\n{host.Log}");
            await host.DisposeAsync();
            host = await ServiceHost.StartAsync(dll, data, settings);
        }
        await using (host) return await CountAsync("deploy: SIGTERM twice mid-send (server waits 150 ms before 250)", smtp, host, id, members, 0, clock);
    }

    /// <summary>A crash loop: SIGKILL at ten random points, restarted each time.</summary>
    private async Task<Result> CrashLoopAsync(FaultySmtpServer smtp, string data, int members)
    {
        smtp.ReplyDelay = TimeSpan.FromMilliseconds(5);
        var settings = Settings(smtp);
        var random = new Random(seed);
        var points = Enumerable.Range(0, 10).Select(_ => random.Next(members / 20, members * 19 / 20)).Order().ToList();
        var host = await ServiceHost.StartAsync(dll, data, settings);
        await PrepareAsync(host, members);
        var clock = Stopwatch.StartNew();
        int id = await SendNowAsync(host);
        foreach (int at in points)
        {
            while (smtp.Delivered.Count < at) await Task.Delay(5);
            await host.KillAsync();
            await host.DisposeAsync();
            host = await ServiceHost.StartAsync(dll, data, settings);
        }
        await using (host) return await CountAsync("crash loop: SIGKILL at 10 random points", smtp, host, id, members, Connections * points.Count, clock);
    }

    /// <summary>The SMTP server down (connections refused) for a while, from a fifth of the way in; the default retry delays.</summary>
    private async Task<Result> OutageAsync(FaultySmtpServer smtp, string data, int members, TimeSpan length)
    {
        var host = await ServiceHost.StartAsync(dll, data, Settings(smtp));
        await PrepareAsync(host, members);
        var clock = Stopwatch.StartNew();
        int id = await SendNowAsync(host);
        while (smtp.Delivered.Count < members / 5) await Task.Delay(5);
        smtp.Outage = true;
        await Task.Delay(length);
        smtp.Outage = false;
        var digest = await host.WaitFinishedAsync(id, TimeSpan.FromMinutes(30));
        if (ServiceHost.Count(digest, "failed") > 0) throw new InvalidOperationException($"deliveries failed in the outage: {digest}");
        await using (host)
            return await CountAsync($"SMTP down for {length.TotalMinutes:N0} min mid-digest (connections refused)", smtp, host, id, members, smtp.OutageResets, clock);
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

    /// <summary>Waits for the digest to finish, then counts at the server: lost (no copy and not Unknown), doubled, Unknown.</summary>
    private static async Task<Result> CountAsync(string name, FaultySmtpServer smtp, ServiceHost host, int id, int members, int unknownBound, Stopwatch clock)
    {
        await host.WaitFinishedAsync(id, TimeSpan.FromMinutes(30));
        var elapsed = clock.Elapsed;
        var unknown = (await host.Admin.GetFromJsonAsync<JsonElement>($"/api/digests/{id}/deliveries?state=unknown")).EnumerateArray()
            .Select(r => r.GetProperty("email").GetString()!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var delivered = smtp.Delivered.Select(d => d.Recipient).ToHashSet(StringComparer.OrdinalIgnoreCase);
        int lost = Enumerable.Range(1, members).Select(i => $"r{i}@example.org").Count(a => !delivered.Contains(a) && !unknown.Contains(a));
        int doubled = smtp.Doubled().Count + smtp.DoubledMessageIds();
        return new Result(name, members, lost, doubled, unknown.Count, unknownBound, elapsed);
    }
}
