using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Publisher.Tests.Support;
using SmtpServer.Protocol;

namespace Publisher.Tests.Digests;

/// <summary>
/// Processes, not threads: the host is killed (SIGKILL) halfway through a 2,000-subscriber digest and started
/// again; the service and the CLI verb send one digest at the same time.
/// </summary>
public sealed class DigestCrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private void Log(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:N1} s  {what}");

    [Fact]
    public async Task AKilledHostResumesOnItsOwnAndEverySubscriberGetsExactlyOneCopy()
    {
        using var site = new TempSite();
        await using var smtp = new TestSmtpServer();
        using var gate = new ManualResetEventSlim(false);
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The 1,000th message is held after its body arrived, the host is killed meanwhile, and the message is then refused:
        // it was in flight at the kill, so the restarted host records it Unknown (never resent by itself), and the admin's
        // retry sends it. Everyone else gets exactly one copy.
        smtp.Reply = n =>
        {
            if (n != 1000) return null;
            halfway.TrySetResult();
            gate.Wait(TimeSpan.FromSeconds(90));
            return new SmtpResponse((SmtpReplyCode)451, "try again later");
        };
        string[] args = [.. smtp.Settings(maxConnections: 1).Select(kv => $"--{kv.Key}={kv.Value}"), "--Publisher:Site:BaseUrl=http://feeds.example.test"];

        var first = await ServiceProcess.StartAsync(site, args);
        Log("first host up");
        using (var admin = Admin(first))
        {
            Assert.True((await admin.PostAsJsonAsync("/api/lists", new { name = "news" })).IsSuccessStatusCode);
            var csv = "email,name\n" + string.Join('\n', Enumerable.Range(1, 2000).Select(i => $"r{i}@example.org,读者{i}"));
            Assert.True((await admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent(csv, Encoding.UTF8, "text/csv"))).IsSuccessStatusCode);
            Assert.True((await admin.PostAsJsonAsync("/api/articles", new { title = "新文章", publishedAt = "2026-11-28 08:00", contentText = "正文。" })).IsSuccessStatusCode);
            Log("list, 2,000 members and an article in place");
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await admin.PostAsync("/api/lists/news/digests", null)).StatusCode);
            await halfway.Task.WaitAsync(TimeSpan.FromSeconds(120));
        }
        Log($"halfway: {smtp.Received.Count} received; killing");
        await first.KillAsync();
        gate.Set();
        int beforeRestart = smtp.Received.Count;
        Assert.InRange(beforeRestart, 900, 999);

        await using var second = await ServiceProcess.StartAsync(site, args);
        var restarted = DateTime.UtcNow;
        Log("second host up");
        await Eventually.HoldsAsync(() => Task.FromResult(smtp.Received.Count > beforeRestart), TimeSpan.FromSeconds(30),
            "the restarted host resumes sending by itself");
        Log("resumed");
        using (var admin = Admin(second))
        {
            var digest = await DigestApi.WaitAsync(admin, "/api/digests/1", DigestApi.Finished, TimeSpan.FromSeconds(120));
            Log("all but the one in flight sent");
            Assert.Equal(1999, DigestApi.Count(digest, "sent"));
            Assert.Equal(1, DigestApi.Count(digest, "unknown"));
            Assert.Equal(1999, smtp.Received.Count);
            var retry = await admin.PostAsync("/api/digests/1/retry", null);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, retry.StatusCode);
            digest = await DigestApi.WaitAsync(admin, "/api/digests/1", d => DigestApi.Finished(d) && DigestApi.Count(d, "unknown") == 0, TimeSpan.FromSeconds(60));
            Assert.Equal(2000, DigestApi.Count(digest, "sent"));
        }

        var recipients = smtp.Received.Select(m => m.To.Mailboxes.Single().Address).ToList();
        Assert.Equal(2000, recipients.Count);
        Assert.Equal(2000, recipients.Distinct().Count());
        Assert.True(smtp.LastReceivedUtc > restarted);
    }

    [Fact]
    public async Task TheServiceAndTheCliSendingOneDigestAtOnceDeliverEachMessageOnce()
    {
        using var site = new TempSite();
        await using var smtp = new TestSmtpServer();
        // A slow server while only the service is connected (50 ms a message, 1,000 messages over 2 connections: 25 s),
        // so that the CLI, which takes seconds to start (many on a loaded machine), joins while the service is still
        // sending; from the CLI's first connection on it is quick.
        smtp.Reply = _ => { Thread.Sleep(smtp.Sessions <= 2 ? 50 : 2); return null; };
        string[] args = [.. smtp.Settings(maxConnections: 2).Select(kv => $"--{kv.Key}={kv.Value}"), "--Publisher:Site:BaseUrl=http://feeds.example.test"];
        await using var service = await ServiceProcess.StartAsync(site, args);
        using var admin = Admin(service);
        Assert.True((await admin.PostAsJsonAsync("/api/lists", new { name = "news" })).IsSuccessStatusCode);
        var csv = "email,name\n" + string.Join('\n', Enumerable.Range(1, 1000).Select(i => $"r{i}@example.org,读者{i}"));
        Assert.True((await admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent(csv, Encoding.UTF8, "text/csv"))).IsSuccessStatusCode);
        Assert.True((await admin.PostAsJsonAsync("/api/articles", new { title = "新文章", publishedAt = "2026-11-28 08:00", contentText = "正文。" })).IsSuccessStatusCode);

        // The service starts the digest; while it sends, a second process (the CLI verb) works on the same ledger.
        var byService = admin.PostAsync("/api/lists/news/digests", null);
        await Eventually.HoldsAsync(() => Task.FromResult(smtp.Received.Count >= 20), TimeSpan.FromSeconds(60), "the service is sending");
        var byCli = await PublisherProcess.RunAsync(site, [.. new[] { "digest", "send", "--list", "news" }, .. args]);
        Log($"CLI: exit {byCli.ExitCode}, {byCli.Stdout.Trim()} {byCli.Stderr.Trim()}");
        Assert.Equal(0, byCli.ExitCode);
        Assert.True((await byService).IsSuccessStatusCode);

        var sentByCli = int.Parse(System.Text.RegularExpressions.Regex.Match(byCli.Stdout, @"sent (\d+)").Groups[1].Value);
        Assert.InRange(sentByCli, 1, 999); // both really sent part of it
        await DigestApi.WaitAsync(admin, "/api/digests/1", d => DigestApi.Finished(d) && DigestApi.Count(d, "sent") == 1000);
        var recipients = smtp.Received.Select(m => m.To.Mailboxes.Single().Address).ToList();
        Assert.Equal(1000, recipients.Count);
        Assert.Equal(1000, recipients.Distinct().Count());
    }

    private static HttpClient Admin(ServiceProcess service)
    {
        var client = new HttpClient { BaseAddress = new Uri(service.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TempSite.AdminKey);
        return client;
    }
}
