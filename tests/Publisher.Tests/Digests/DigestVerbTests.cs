using System.Text;
using System.Text.RegularExpressions;
using Publisher.Tests.Support;

namespace Publisher.Tests.Digests;

/// <summary>The <c>digest</c> verbs as a real process against a misbehaving SMTP server: what they say, and their exit codes.</summary>
public sealed class DigestVerbTests : IDisposable
{
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    private async Task PrepareAsync(int members)
    {
        Assert.Equal(0, (await PublisherProcess.RunAsync(_site, "lists", "create", "news")).ExitCode);
        string csv = Path.Combine(_site.Root, "people.csv");
        File.WriteAllText(csv, "email,name\n" + string.Join('\n', Enumerable.Range(1, members).Select(i => $"r{i}@example.org,读者{i}")), new UTF8Encoding(false));
        Assert.Equal(0, (await PublisherProcess.RunAsync(_site, "subscribers", "import", csv, "--list", "news", "--confirmed")).ExitCode);
        _site.Write("a.md", "---\ntitle: 新文章\ndate: 2026-11-28T08:00:00+08:00\n---\n正文。\n");
        Assert.Equal(0, (await PublisherProcess.RunAsync(_site, "ingest", _site.ArticlesPath)).ExitCode);
    }

    private Task<PublisherProcess.Outcome> RunAsync(FaultySmtpServer smtp, params string[] verb) =>
        PublisherProcess.RunAsync(_site, [.. verb, .. smtp.Arguments(maxConnections: 2, timeoutSeconds: 2), "--Publisher:Smtp:MaxAttempts=2",
            "--Publisher:Digests:RetryDelays=00:00:00.2"]);

    [Fact]
    public async Task WithTheServerDownTheVerbSaysSoWaitsAndTheNextRunSendsEveryoneOnce()
    {
        await using var smtp = new FaultySmtpServer { Outage = true };
        await PrepareAsync(5);

        var down = await RunAsync(smtp, "digest", "send", "--list", "news");
        Assert.Equal(1, down.ExitCode);
        Assert.Equal("sent 0, skipped 0, failed 0", down.Stdout.Trim());
        Assert.Contains("the mail server is unavailable", down.Stderr);
        Assert.Contains("Connection refused", down.Stderr);
        Assert.Matches(@"5 deliveries wait for a later try, the first at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", down.Stderr);

        smtp.Outage = false;
        await Task.Delay(TimeSpan.FromSeconds(0.3)); // the pause: Publisher:Digests:RetryDelays, 0.2 s here
        var up = await RunAsync(smtp, "digest", "send", "--list", "news");
        Assert.True(up.ExitCode == 0, up.Stderr);
        Assert.Equal("sent 5, skipped 0, failed 0", up.Stdout.Trim());
        Assert.Equal(5, smtp.Delivered.Select(d => d.Recipient).Distinct().Count());
        Assert.Equal(5, smtp.Delivered.Count);
        // The verb disposes the host: every pooled connection said QUIT.
        Assert.Equal(smtp.Connections - smtp.OutageRefusals, smtp.Quits);
    }

    [Fact]
    public async Task EachFailureIsNamedOnStderrAndRetryResendsThemInOneCall()
    {
        await using var smtp = new FaultySmtpServer();
        smtp.Refused["r2@example.org"] = true;
        smtp.Refused["r4@example.org"] = true;
        await PrepareAsync(5);

        var sent = await RunAsync(smtp, "digest", "send", "--list", "news");
        Assert.Equal(1, sent.ExitCode);
        Assert.Equal("sent 3, skipped 0, failed 2", sent.Stdout.Trim());
        Assert.Matches(@"delivery \d+ to r2@example\.org: failed: 550 ", sent.Stderr);
        Assert.Matches(@"delivery \d+ to r4@example\.org: failed: 550 ", sent.Stderr);

        smtp.Refused.Clear();
        var retried = await RunAsync(smtp, "digest", "retry", "--digest", "1");
        Assert.True(retried.ExitCode == 0, retried.Stderr);
        Assert.Equal("sent 2, skipped 0, failed 0", retried.Stdout.Trim());
        Assert.Contains("reopened 2 failed or unknown deliveries of digest 1", retried.Stderr);
        Assert.Equal(5, smtp.Delivered.Select(d => d.Recipient).Distinct().Count());
        Assert.Empty(smtp.Doubled());

        var nothing = await RunAsync(smtp, "digest", "retry", "--digest", "99");
        Assert.Equal(2, nothing.ExitCode);
        Assert.Contains("there is no digest 99", nothing.Stderr);
        Assert.Matches(new Regex("retry.*failed and unknown", RegexOptions.Singleline), (await RunAsync(smtp, "digest", "--help")).Stdout);
    }
}
