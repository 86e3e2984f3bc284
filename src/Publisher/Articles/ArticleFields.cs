using System.Text.RegularExpressions;
using Publisher.Text;

namespace Publisher.Articles;

/// <summary>What is wrong with one field of an article: the field's name (as the API spells it) and the reason.</summary>
public sealed record FieldError(string Field, string Reason);

/// <summary>
/// The last step of every reader (scraped page, Markdown, JSON): the limits of each field, and its text cleaned
/// <em>after</em> decoding. Bytes are cleaned before parsing (<see cref="XmlSafeText"/>), but YAML escapes
/// (<c>"\x01"</c>), JSON escapes and HTML entities (<c>&amp;#1;</c>) make forbidden characters afterwards, and the
/// XML writer throws on them.
/// </summary>
public static partial class ArticleFields
{
    // Runs of spaces, tabs and line breaks (a removed control character leaves two spaces); full-width spaces are kept.
    [GeneratedRegex(@"[ \t\r\n\f\v\u2028\u2029]+")]
    private static partial Regex LineBreaksAndSpaces();

    public const int MaxTitleLength = 500;
    /// <summary>Category, author and source.</summary>
    public const int MaxNameLength = 200;
    public const int MaxTags = 30;
    public const int MaxTagLength = 100;
    /// <summary>A given summary, as written (markup included).</summary>
    public const int MaxSummaryLength = 2000;

    /// <summary>The draft's fields within their limits and cleaned, or the first field that is not.</summary>
    public static FieldError? Normalize(ArticleDraft draft, out ArticleDraft clean)
    {
        clean = draft;
        string? title = OneLine(draft.Title);
        if (title is null) return new("title", "no title");
        if (title.Length > MaxTitleLength) return new("title", $"title longer than {MaxTitleLength} characters ({title.Length:N0})");
        string? category = OneLine(draft.Category), author = OneLine(draft.Author), source = OneLine(draft.Source);
        foreach (var (name, value) in new[] { ("category", category), ("author", author), ("source", source) })
            if (value is { Length: > MaxNameLength }) return new(name, $"{name} longer than {MaxNameLength} characters ({value.Length:N0})");
        var tags = draft.Tags.Select(OneLine).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (tags.Count > MaxTags) return new("tags", $"more than {MaxTags} tags ({tags.Count})");
        if (tags.FirstOrDefault(t => t.Length > MaxTagLength) is { } longTag) return new("tags", $"a tag longer than {MaxTagLength} characters ({longTag.Length:N0})");
        if (draft.Summary is { Length: > MaxSummaryLength }) return new("summary", $"summary longer than {MaxSummaryLength:N0} characters ({draft.Summary.Length:N0})");
        // A summary given with markup (an API client's HTML excerpt, say) is reduced to its text, like leftover HTML in pages;
        // entities decode here, so the text is cleaned after.
        string? summary = draft.Summary is null ? null : OneLine(ArticleHtml.ToText(draft.Summary));

        clean = draft with
        {
            Title = title, Category = category, Author = author, Source = source, Tags = tags, Summary = summary,
            Slug = OneLine(draft.Slug),
            BodyHtml = XmlSafeText.Clean(draft.BodyHtml),
            BodyText = XmlSafeText.Clean(draft.BodyText),
        };
        return null;
    }

    /// <summary>One line of text: characters XML forbids removed, line breaks and tabs as single spaces, trimmed; null when nothing is left.</summary>
    public static string? OneLine(string? s)
    {
        if (s is null) return null;
        s = LineBreaksAndSpaces().Replace(XmlSafeText.Clean(s), " ").Trim();
        return s.Length == 0 ? null : s;
    }
}
