using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Publisher.Cli;
using Publisher.Data;

namespace Publisher.Digests;

public static class DigestCommands
{
    public static Command Digest(IServiceProvider services)
    {
        var listOption = new Option<string>("--list") { Description = "The list's name.", Required = true };

        var send = new Command("send", "Makes the list's next digest and sends what is due now; prints 'sent N, skipped N, failed N'.") { listOption };
        send.SetAction(async (parse, ct) =>
        {
            await services.MigrateDatabaseAsync(ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == parse.GetValue(listOption), ct);
            if (list is null) { await Console.Error.WriteLineAsync($"there is no list named '{parse.GetValue(listOption)}'"); return Verbs.Usage; }
            var result = await scope.ServiceProvider.GetRequiredService<DigestRuns>().RunAsync(list, ct);
            if (result.Nothing is not null) await Console.Error.WriteLineAsync(result.Nothing);
            return await ReportAsync(result.Outcome, result.Waiting, result.NextTryUtc, ct.IsCancellationRequested);
        });

        var outOption = new Option<string>("--out") { Description = "The HTML file to write.", Required = true };
        var preview = new Command("preview", "Writes the list's next digest, as it would go out now, to an HTML file.") { listOption, outOption };
        preview.SetAction(async (parse, ct) =>
        {
            await services.MigrateDatabaseAsync(ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == parse.GetValue(listOption), ct);
            if (list is null) { await Console.Error.WriteLineAsync($"there is no list named '{parse.GetValue(listOption)}'"); return Verbs.Usage; }
            string? html = await DigestsApi.PreviewHtmlAsync(list, scope.ServiceProvider.GetRequiredService<DigestPlanner>(),
                scope.ServiceProvider.GetRequiredService<DigestComposer>(), PublicUrls.Base(scope.ServiceProvider.GetRequiredService<IConfiguration>()),
                scope.ServiceProvider.GetRequiredService<TimeProvider>(), ct);
            if (html is null) { await Console.Error.WriteLineAsync($"nothing new for '{list.Name}' since its last digest"); return Verbs.SomeFailed; }
            string file = parse.GetValue(outOption)!;
            await File.WriteAllTextAsync(file, html, new System.Text.UTF8Encoding(false), ct);
            Console.Out.WriteLine($"wrote {Path.GetFullPath(file)} ({new FileInfo(file).Length:N0} bytes)");
            return Verbs.Ok;
        });

        var digestOption = new Option<int>("--digest") { Description = "The digest's id (GET /api/lists/NAME/digests lists them).", Required = true };
        var retry = new Command("retry", "Sends the digest's failed and unknown deliveries again, now; prints 'sent N, skipped N, failed N'.") { digestOption };
        retry.SetAction(async (parse, ct) =>
        {
            await services.MigrateDatabaseAsync(ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            int id = parse.GetValue(digestOption);
            if (!await db.Digests.AnyAsync(d => d.Id == id, ct)) { await Console.Error.WriteLineAsync($"there is no digest {id}"); return Verbs.Usage; }
            var runs = scope.ServiceProvider.GetRequiredService<DigestRuns>();
            var (reopened, outcome) = await runs.RetryAsync(id, ct);
            await Console.Error.WriteLineAsync($"reopened {reopened} failed or unknown deliveries of digest {id}");
            var (waiting, next) = await runs.WaitingAsync([id], CancellationToken.None);
            return await ReportAsync(outcome, waiting, next, ct.IsCancellationRequested);
        });
        return new Command("digest", "Email digests.") { send, preview, retry };
    }

    /// <summary>The summary on stdout; every delivery that failed, is unknown or waits, and any pause, on stderr.</summary>
    private static async Task<int> ReportAsync(DigestSender.Outcome o, int waiting, DateTime? nextTryUtc, bool stopped)
    {
        foreach (var line in o.Failures) await Console.Error.WriteLineAsync(line);
        if (o.Failures.Count == DigestSender.MaxFailuresReported)
            await Console.Error.WriteLineAsync($"(only the first {DigestSender.MaxFailuresReported} are named; GET /api/digests/ID/deliveries?state=… lists them all)");
        if (o.PausedBecause is not null)
            await Console.Error.WriteLineAsync($"the mail server is unavailable ({o.PausedBecause}); the digest is paused until {o.PausedUntilUtc:u}");
        if (o.Unknown > 0)
            await Console.Error.WriteLineAsync($"{o.Unknown} with an unknown outcome (no reply after the message went out); not resent: 'digest retry' sends them again");
        if (waiting > 0)
            await Console.Error.WriteLineAsync($"{waiting} deliveries wait for a later try, the first at {nextTryUtc:u}; the running service sends them, or run this again then");
        if (stopped) await Console.Error.WriteLineAsync("stopped: what was not sent waits for the next run");
        Console.Out.WriteLine($"sent {o.Sent}, skipped {o.Skipped}, failed {o.Failed + o.Unknown}");
        return o.Failed + o.Unknown > 0 || waiting > 0 || stopped ? Verbs.SomeFailed : Verbs.Ok;
    }
}
