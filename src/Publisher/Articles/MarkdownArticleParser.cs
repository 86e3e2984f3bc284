using Publisher.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Publisher.Articles;

/// <summary>
/// Markdown with YAML front matter: <c>title</c>, <c>date</c>, <c>category</c>, <c>tags</c>,
/// <c>author</c>, <c>summary</c> and optionally <c>slug</c>. Without a title in the front matter the
/// first level-one heading is the title.
/// </summary>
public static partial class MarkdownArticleParser
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder().Build();

    [GeneratedRegex(@"\A---[ \t]*\n(?<yaml>[\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\z)")]
    private static partial Regex FrontMatter();

    [GeneratedRegex(@"^#[ \t]+(?<title>.+?)[ \t#]*$", RegexOptions.Multiline)]
    private static partial Regex FirstHeading();

    public static ArticleRead Parse(string text, TimeZoneInfo zone)
    {
        text = XmlSafeText.Clean(text).Replace("\r\n", "\n").Replace('\r', '\n');
        Dictionary<string, object?> meta = new(StringComparer.OrdinalIgnoreCase);
        string body = text;

        var fm = FrontMatter().Match(text);
        if (fm.Success)
        {
            try
            {
                var parsed = Yaml.Deserialize<Dictionary<object, object?>>(fm.Groups["yaml"].Value);
                if (parsed is not null)
                    foreach (var (key, value) in parsed) meta[key.ToString() ?? ""] = value;
            }
            catch (YamlException ex)
            {
                return ArticleRead.Reject($"broken front matter at line {ex.Start.Line + 1}: {OneLine(ex.InnerException?.Message ?? ex.Message)}");
            }
            catch (InvalidCastException)
            {
                return ArticleRead.Reject("broken front matter: it is not a mapping of keys to values");
            }
            body = text[fm.Length..];
        }
        else if (text.StartsWith("---\n", StringComparison.Ordinal))
            return ArticleRead.Reject("broken front matter: no closing '---' line");

        string? title = Scalar(meta, "title");
        if (title is null)
        {
            var heading = FirstHeading().Match(body);
            if (heading.Success)
            {
                title = heading.Groups["title"].Value.Trim();
                body = body.Remove(heading.Index, heading.Length);
            }
        }
        if (string.IsNullOrWhiteSpace(title)) return ArticleRead.Reject("no title: front matter has no 'title' and there is no '# heading'");

        string? dateText = Scalar(meta, "date");
        if (dateText is null) return ArticleRead.Reject("no date: front matter has no 'date'");
        if (!ArticleDates.TryParse(dateText, zone, out var published)) return ArticleRead.Reject($"invalid date '{dateText}'");

        if (!ArticleHtml.TryFromMarkdown(body, out var html, out var markdownError)) return ArticleRead.Reject(markdownError!);
        string plain = ArticleHtml.ToText(html);
        if (plain.Length == 0) return ArticleRead.Reject("no body text after the front matter");

        return ArticleRead.Ok(new ArticleDraft
        {
            Title = OneLine(title),
            PublishedAt = published,
            Category = Scalar(meta, "category"),
            Author = Scalar(meta, "author"),
            Source = Scalar(meta, "source"),
            Tags = List(meta, "tags"),
            Summary = Scalar(meta, "summary"),
            Slug = Scalar(meta, "slug"),
            BodyHtml = html,
            BodyText = plain,
        });
    }

    private static string? Scalar(Dictionary<string, object?> meta, string key) =>
        meta.GetValueOrDefault(key) is string s && s.Trim().Length > 0 ? s.Trim() : null;

    private static List<string> List(Dictionary<string, object?> meta, string key) => meta.GetValueOrDefault(key) switch
    {
        string s => s.Split([',', '，', '、'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList(),
        IEnumerable<object?> items => items.OfType<string>().Select(t => t.Trim()).Where(t => t.Length > 0).ToList(),
        _ => [],
    };

    private static string OneLine(string s) => string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
