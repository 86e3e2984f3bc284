using System.Text.Json;
using Publisher.Articles;
using Publisher.Text;

namespace Publisher.Benchmarks;

/// <summary>
/// Field accuracy of the scraped-page reader over a folder of pages with expected readings (NAME.txt or NAME.gbk.txt
/// beside NAME.expected.json): per field, how many pages it got exactly right. Pages expected to be rejected count
/// as right in every field when they are rejected.
/// <c>dotnet run -c Release --project bench/Publisher.Benchmarks -- corpus tests/Publisher.Tests/Articles/Pages</c>
/// </summary>
public static class CorpusAccuracy
{
    private sealed record Expected(string? Title, DateTimeOffset? Date, string? Category, string? Author, string? Source,
        string? FirstParagraph, string? LastParagraph, bool Rejected);

    private static readonly string[] Fields = ["title", "date", "category", "author", "source", "body start", "body end"];

    public static int Run(string folder)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var right = Fields.ToDictionary(f => f, _ => 0);
        var wrong = new List<string>();
        var pages = Directory.GetFiles(folder, "*.txt").Order(StringComparer.Ordinal).ToList();
        foreach (var page in pages)
        {
            string name = Path.GetFileName(page);
            var expected = JsonSerializer.Deserialize<Expected>(File.ReadAllText(Path.Combine(folder, name.Replace(".gbk.txt", ".txt").Replace(".txt", ".expected.json"))),
                JsonSerializerOptions.Web)!;
            var read = TextFileDecoder.TryDecode(File.ReadAllBytes(page), out var text, out _) ? ScrapedPageParser.Parse(text, zone) : default;
            var draft = read.Draft;
            var paragraphs = draft?.BodyText.Split('\n') ?? [];
            var got = new Dictionary<string, bool>
            {
                ["title"] = expected.Rejected ? draft is null : draft?.Title == expected.Title,
                ["date"] = expected.Rejected ? draft is null : draft is not null && draft.PublishedAt == expected.Date && draft.PublishedAt.Offset == expected.Date!.Value.Offset,
                ["category"] = expected.Rejected ? draft is null : draft?.Category == expected.Category,
                ["author"] = expected.Rejected ? draft is null : draft is not null && draft.Author == expected.Author,
                ["source"] = expected.Rejected ? draft is null : draft is not null && draft.Source == expected.Source,
                ["body start"] = expected.Rejected ? draft is null : paragraphs.FirstOrDefault() == expected.FirstParagraph,
                ["body end"] = expected.Rejected ? draft is null : paragraphs.LastOrDefault() == expected.LastParagraph,
            };
            foreach (var (field, ok) in got)
            {
                if (ok) right[field]++;
                else wrong.Add($"{name}: {field}");
            }
        }
        Console.WriteLine($"| field | right of {pages.Count} pages |");
        Console.WriteLine("|---|---|");
        foreach (var f in Fields) Console.WriteLine($"| {f} | {right[f]} ({100.0 * right[f] / pages.Count:F0}%) |");
        int allRight = pages.Count(p => !wrong.Any(w => w.StartsWith(Path.GetFileName(p) + ":")));
        Console.WriteLine($"| every field right | {allRight} ({100.0 * allRight / pages.Count:F0}%) |");
        foreach (var w in wrong) Console.WriteLine("wrong: " + w);
        return 0;
    }
}
