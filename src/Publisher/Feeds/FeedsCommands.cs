using System.CommandLine;
using Microsoft.Extensions.Options;
using Publisher.Cli;
using Publisher.Data;

namespace Publisher.Feeds;

public static class FeedsCommands
{
    /// <summary>
    /// <c>feeds export --out DIR</c>: the same bytes HTTP serves, for the base URL of Publisher:Site:BaseUrl
    /// (or, without one, of the first address the service listens on).
    /// </summary>
    public static Command Feeds(IServiceProvider services)
    {
        var output = new Option<string>("--out") { Description = "Folder to write rss.xml, atom.xml, feed.json and categories/ into.", Required = true };
        var export = new Command("export", "Writes every feed to files, byte-identical to what HTTP serves.") { output };
        export.SetAction(async (parse, ct) =>
        {
            string dir = parse.GetValue(output)!;
            await services.MigrateDatabaseAsync(ct);
            var cache = services.GetRequiredService<FeedCache>();
            var snapshot = await cache.GetAsync(PublicUrls.Base(services.GetRequiredService<IConfiguration>()), ct);
            int written = 0;
            foreach (var (key, doc) in snapshot.Documents.Where(d => d.Key.Page == 1))
            {
                string file = Path.Combine(dir, key.RelativePath.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                await File.WriteAllBytesAsync(file, doc.Bytes, ct);
                written++;
            }
            Console.Out.WriteLine($"wrote {written} feeds of {snapshot.Articles.Count} articles to {Path.GetFullPath(dir)}");
            return Verbs.Ok;
        });
        return new Command("feeds", "The published feeds.") { export };
    }
}
