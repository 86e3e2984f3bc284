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

        var send = new Command("send", "Makes the list's next digest and sends it now; prints 'sent N, skipped N, failed N'.") { listOption };
        send.SetAction(async (parse, ct) =>
        {
            await services.MigrateDatabaseAsync(ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == parse.GetValue(listOption), ct);
            if (list is null) { await Console.Error.WriteLineAsync($"there is no list named '{parse.GetValue(listOption)}'"); return Verbs.Usage; }
            var result = await scope.ServiceProvider.GetRequiredService<DigestRuns>().RunAsync(list, ct);
            var o = result.Outcome;
            if (result.Nothing is not null) await Console.Error.WriteLineAsync(result.Nothing);
            foreach (var error in result.Outcome.Errors) await Console.Error.WriteLineAsync(error);
            Console.Out.WriteLine($"sent {o.Sent}, skipped {o.Skipped}, failed {o.Failed + o.Unknown}");
            if (o.Unknown > 0) await Console.Error.WriteLineAsync($"{o.Unknown} with an unknown outcome (no reply after the message went out); not resent");
            return o.Failed + o.Unknown > 0 ? Verbs.SomeFailed : Verbs.Ok;
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
                scope.ServiceProvider.GetRequiredService<DigestComposer>(), PublicUrls.Base(scope.ServiceProvider.GetRequiredService<IConfiguration>()), ct);
            if (html is null) { await Console.Error.WriteLineAsync($"nothing new for '{list.Name}' since its last digest"); return Verbs.SomeFailed; }
            string file = parse.GetValue(outOption)!;
            await File.WriteAllTextAsync(file, html, new System.Text.UTF8Encoding(false), ct);
            Console.Out.WriteLine($"wrote {Path.GetFullPath(file)} ({new FileInfo(file).Length:N0} bytes)");
            return Verbs.Ok;
        });
        return new Command("digest", "Email digests.") { send, preview };
    }
}
