using System.CommandLine;
using Publisher.Cli;
using Publisher.Data;

namespace Publisher.Feeds;

public static class FeedsCommands
{
    /// <summary>
    /// <c>feeds export --out DIR</c>: the first page of every feed, the same bytes HTTP serves uncompressed, for the base
    /// URL of Publisher:Site:BaseUrl (or, without one, of the first address the service listens on).
    /// </summary>
    public static Command Feeds(IServiceProvider services)
    {
        var output = new Option<string>("--out") { Description = "Folder to write rss.xml, atom.xml, feed.json and categories/ into.", Required = true };
        var export = new Command("export", "Writes every feed to files, byte-identical to what HTTP serves.") { output };
        export.SetAction(async (parse, ct) =>
        {
            string dir = parse.GetValue(output)!;
            await services.MigrateDatabaseAsync(ct);
            var store = services.GetRequiredService<FeedStore>();
            var primary = services.GetRequiredService<SiteAddresses>().Primary;
            await store.ReloadAsync(ct);
            var index = await store.IndexAsync(ct);
            int written = 0;
            foreach (var group in index.Groups)
                foreach (var format in FeedFormats.All)
                {
                    var key = new FeedKey(group.CategorySlug, format);
                    var doc = (await store.GetAsync(primary, key, ct))!;
                    string file = Path.Combine(dir, key.RelativePath.Replace('/', Path.DirectorySeparatorChar));
                    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                    await File.WriteAllBytesAsync(file, doc.Bytes, ct);
                    written++;
                }
            Console.Out.WriteLine($"wrote {written} feeds of {index.Count} articles to {Path.GetFullPath(dir)}");
            return Verbs.Ok;
        });
        return new Command("feeds", "The published feeds.") { export };
    }
}
