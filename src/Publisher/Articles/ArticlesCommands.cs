using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Publisher.Cli;
using Publisher.Data;

namespace Publisher.Articles;

public static class ArticlesCommands
{
    /// <summary><c>ingest PATH</c>: a line per article, <c>outcome TAB slug-or-file TAB title-or-reason</c>.</summary>
    public static Command Ingest(IServiceProvider services)
    {
        var path = new Argument<string>("PATH") { Description = "An article file (.txt, .md) or a folder of them." };
        var command = new Command("ingest", "Reads articles from a file or folder into the database.") { path };
        command.SetAction(async (parse, ct) =>
        {
            string target = parse.GetValue(path)!;
            List<string> files;
            if (File.Exists(target)) files = [target];
            else if (Directory.Exists(target)) files = ArticleIngestor.FilesUnder(target).ToList();
            else
            {
                await Console.Error.WriteLineAsync($"ingest: no such file or folder: {target}");
                return Verbs.Usage;
            }
            await services.MigrateDatabaseAsync(ct);
            await using var scope = services.CreateAsyncScope();
            var results = await scope.ServiceProvider.GetRequiredService<ArticleIngestor>().IngestFilesAsync(files, ct);
            foreach (var r in results)
            {
                Console.Out.WriteLine(r.ToLine());
                if (r.Outcome == IngestOutcome.Rejected) await Console.Error.WriteLineAsync($"rejected {r.Name}: {r.Detail}");
            }
            return results.Any(r => r.Outcome == IngestOutcome.Rejected) ? Verbs.SomeFailed : Verbs.Ok;
        });
        return command;
    }

    /// <summary><c>articles list [--json]</c>, newest first.</summary>
    public static Command Articles(IServiceProvider services)
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON array instead of tab-separated lines." };
        var list = new Command("list", "Lists the stored articles, newest first: slug, date, category, title.") { json };
        list.SetAction(async (parse, ct) =>
        {
            await services.MigrateDatabaseAsync(ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var articles = await db.Articles.AsNoTracking().OrderByDescending(a => a.PublishedUtc).ThenByDescending(a => a.Id).ToListAsync(ct);
            if (parse.GetValue(json))
            {
                var items = articles.Select(ArticlesApi.ToItem);
                Console.Out.WriteLine(JsonSerializer.Serialize(items, new JsonSerializerOptions(JsonSerializerDefaults.Web)
                    { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            }
            else
            {
                foreach (var a in articles)
                    Console.Out.WriteLine($"{a.Slug}\t{a.PublishedAt:yyyy-MM-dd'T'HH:mm:sszzz}\t{a.Category}\t{a.Title}");
            }
            return Verbs.Ok;
        });
        return new Command("articles", "Articles in the database.") { list };
    }
}
