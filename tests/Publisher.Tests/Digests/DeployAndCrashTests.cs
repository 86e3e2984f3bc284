using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Publisher.Tests.Support;
using Xunit.Abstractions;

namespace Publisher.Tests.Digests;

/// <summary>
/// The service as it runs in production, stopped in the middle of a digest: a deploy (SIGTERM) and a crash (SIGKILL),
/// counted at the SMTP server, which waits before its final reply so that messages are in flight at every stop.
/// </summary>
public sealed class DeployAndCrashTests(ITestOutputHelper output)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private void Log(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:N1} s  {what}");

    [Fact]
    public async Task TwoDeploysDuringADigestSendNoMessageTwiceLoseNoneAndExitCleanly()
    {
        using var site = new TempSite();
        await using var smtp = new FaultySmtpServer { ReplyDelay = TimeSpan.FromMilliseconds(150) };
        string[] args = [.. smtp.Arguments(maxConnections: 4, timeoutSeconds: 5), "--Publisher:Site:BaseUrl=http://feeds.example.test",
            "--Logging:Console:TimestampFormat=HH:mm:ss.fff "];
        const int members = 400;

        var service = await ServiceProcess.StartAsync(site, args);
        await PrepareAsync(service, members);
        using (var admin = Admin(service)) Assert.Equal(System.Net.HttpStatusCode.Accepted, (await admin.PostAsync("/api/lists/news/digests", null)).StatusCode);
        foreach (int stopAt in new[] { members / 4, members / 2 })
        {
            await Eventually.HoldsAsync(() => Task.FromResult(smtp.Delivered.Count >= stopAt), TimeSpan.FromSeconds(60), $"{stopAt} delivered");
            Log($"{smtp.Delivered.Count} delivered; SIGTERM");
            int exit = await service.TerminateAsync(TimeSpan.FromSeconds(30));
            Log($"exited {exit} with {smtp.Delivered.Count} delivered");
            Assert.True(exit == 0, $"exit code {exit}:\n{service.Log}");
            await service.DisposeAsync();
            service = await ServiceProcess.StartAsync(site, args);
            Log("started again");
        }
        await using (service)
        {
            using var admin = Admin(service);
            var digest = await DigestApi.WaitAsync(admin, "/api/digests/1", d => DigestApi.Finished(d) && DigestApi.Count(d, "sent") == members,
                TimeSpan.FromSeconds(90));
            Log("all sent");
            if (Environment.GetEnvironmentVariable("SHOW_SERVICE_LOG") == "1") output.WriteLine(service.Log);
            Assert.Equal(0, DigestApi.Count(digest, "unknown"));
        }
        Assert.Empty(smtp.Doubled());
        Assert.Equal(0, smtp.DoubledMessageIds());
        Assert.Equal(members, smtp.Delivered.Select(d => d.Recipient).Distinct().Count());
    }

    [Fact]
    public async Task CrashesDuringADigestLeaveAtMostTheMessagesInFlightUnknownAndSendNothingTwice()
    {
        using var site = new TempSite();
        await using var smtp = new FaultySmtpServer { ReplyDelay = TimeSpan.FromMilliseconds(20) };
        string[] args = [.. smtp.Arguments(maxConnections: 4, timeoutSeconds: 5), "--Publisher:Site:BaseUrl=http://feeds.example.test"];
        const int members = 2000, connections = 4;
        int[] killAt = [500, 1200];

        var service = await ServiceProcess.StartAsync(site, args);
        await PrepareAsync(service, members);
        using (var admin = Admin(service)) Assert.Equal(System.Net.HttpStatusCode.Accepted, (await admin.PostAsync("/api/lists/news/digests", null)).StatusCode);
        foreach (int at in killAt)
        {
            await Eventually.HoldsAsync(() => Task.FromResult(smtp.Delivered.Count >= at), TimeSpan.FromSeconds(60), $"{at} delivered");
            await service.KillAsync();
            Log($"SIGKILL with {smtp.Delivered.Count} delivered");
            await service.DisposeAsync();
            service = await ServiceProcess.StartAsync(site, args);
        }
        JsonElement digest;
        await using (service)
        {
            using var admin = Admin(service);
            digest = await DigestApi.WaitAsync(admin, "/api/digests/1", DigestApi.Finished, TimeSpan.FromSeconds(90));
            var unknown = (await admin.GetFromJsonAsync<JsonElement>("/api/digests/1/deliveries?state=unknown")).EnumerateArray()
                .Select(r => r.GetProperty("email").GetString()!).ToHashSet();
            var delivered = smtp.Delivered.Select(d => d.Recipient).ToList();
            Log($"finished: {DigestApi.Count(digest, "sent")} sent, {unknown.Count} unknown, {delivered.Count} delivered");
            Assert.Empty(smtp.Doubled());
            Assert.Equal(0, smtp.DoubledMessageIds());
            Assert.InRange(unknown.Count, 0, connections * killAt.Length);
            // Every subscriber either got their one copy or is Unknown (in flight at a kill: the server may have it).
            Assert.All(Enumerable.Range(1, members).Select(i => $"r{i}@example.org"), a => Assert.True(delivered.Contains(a) || unknown.Contains(a), a));
            Assert.Equal(members - unknown.Count, DigestApi.Count(digest, "sent"));
        }
    }

    private static HttpClient Admin(ServiceProcess service)
    {
        var client = new HttpClient { BaseAddress = new Uri(service.BaseUrl), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TempSite.AdminKey);
        return client;
    }

    private static async Task PrepareAsync(ServiceProcess service, int members)
    {
        using var admin = Admin(service);
        Assert.True((await admin.PostAsJsonAsync("/api/lists", new { name = "news" })).IsSuccessStatusCode);
        var csv = "email,name\n" + string.Join('\n', Enumerable.Range(1, members).Select(i => $"r{i}@example.org,读者{i}"));
        Assert.True((await admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent(csv, Encoding.UTF8, "text/csv"))).IsSuccessStatusCode);
        Assert.True((await admin.PostAsJsonAsync("/api/articles", new { title = "新文章", publishedAt = "2026-11-28 08:00", contentText = "正文。" })).IsSuccessStatusCode);
    }
}
