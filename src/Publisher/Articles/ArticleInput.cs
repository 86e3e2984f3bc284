using Publisher.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace Publisher.Articles;

/// <summary>An article posted as JSON to <c>POST /api/articles</c>. Exactly one of the content fields is given.</summary>
public sealed record ArticleInput
{
    public string? Slug { get; init; }
    public string? Title { get; init; }
    /// <summary>Publication time, ISO 8601 or any form the scraped-page reader understands; zone optional.</summary>
    public string? PublishedAt { get; init; }
    public string? Category { get; init; }
    public List<string>? Tags { get; init; }
    public string? Author { get; init; }
    public string? Source { get; init; }
    public string? Summary { get; init; }
    public string? ContentHtml { get; init; }
    public string? ContentMarkdown { get; init; }
    public string? ContentText { get; init; }

    public const int MaxContentChars = 1_000_000;

    /// <summary>Checks the input and makes a draft; errors are keyed by field, as problem+json reports them.</summary>
    public Dictionary<string, string[]> TryToDraft(TimeZoneInfo zone, out ArticleDraft? draft)
    {
        draft = null;
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [message];

        string? title = Clean(Title);
        if (title is null) Error("title", "A title is required.");
        else if (title.Length > ArticleFields.MaxTitleLength) Error("title", $"The title is longer than {ArticleFields.MaxTitleLength} characters.");

        DateTimeOffset published = default;
        if (Clean(PublishedAt) is not { } date) Error("publishedAt", "A publication date is required (ISO 8601).");
        else if (!ArticleDates.TryParse(date, zone, out published)) Error("publishedAt", $"'{date}' is not a valid date.");

        var contents = new[] { ContentHtml, ContentMarkdown, ContentText }.Count(c => !string.IsNullOrWhiteSpace(c));
        if (contents != 1) Error("content", "Give exactly one of contentHtml, contentMarkdown or contentText.");
        else if ((ContentHtml ?? ContentMarkdown ?? ContentText)!.Length > MaxContentChars) Error("content", $"The content is longer than {MaxContentChars:N0} characters.");

        foreach (var (field, value) in new[] { ("category", Category), ("author", Author), ("source", Source) })
            if (Clean(value) is { Length: > ArticleFields.MaxNameLength }) Error(field, $"The {field} is longer than {ArticleFields.MaxNameLength} characters.");
        if (Tags is { Count: > ArticleFields.MaxTags }) Error("tags", $"At most {ArticleFields.MaxTags} tags.");
        else if (Tags?.Any(t => Clean(t) is { Length: > ArticleFields.MaxTagLength }) == true) Error("tags", $"A tag is longer than {ArticleFields.MaxTagLength} characters.");
        if (Summary is { Length: > ArticleFields.MaxSummaryLength }) Error("summary", $"The summary is longer than {ArticleFields.MaxSummaryLength:N0} characters.");
        if (Slug is not null && Articles.Slugs.From(Slug).Length == 0) Error("slug", "The slug has no letters or digits.");
        if (errors.Count > 0) return errors;

        string html;
        if (ContentHtml is not null && ContentHtml.Trim().Length > 0)
        {
            if (!ArticleHtml.TrySanitize(ContentHtml, out html, out var htmlError)) { Error("content", htmlError!); return errors; }
        }
        else if (ContentMarkdown is not null && ContentMarkdown.Trim().Length > 0)
        {
            if (!ArticleHtml.TryFromMarkdown(XmlSafeText.Clean(ContentMarkdown), out html, out var markdownError)) { Error("content", markdownError!); return errors; }
        }
        else html = ArticleHtml.FromParagraphs(XmlSafeText.Clean(ContentText!).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        string text = ArticleHtml.ToText(html);
        if (text.Length == 0) { Error("content", "The content has no text once sanitized."); return errors; }

        var given = new ArticleDraft
        {
            Title = title!, PublishedAt = published, Slug = Slug, Category = Category, Author = Author, Source = Source,
            Summary = Clean(Summary), Tags = (Tags ?? []).OfType<string>().ToList(), BodyHtml = html, BodyText = text,
        };
        if (ArticleFields.Normalize(given, out var clean) is { } invalid) Error(invalid.Field, invalid.Reason);
        else draft = clean;
        return errors;
    }

    /// <summary>A hash of the input, so posting the same article twice is <c>unchanged</c>.</summary>
    public string Hash() => Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(this)));

    /// <summary>One line, no control characters: header injection and XML debris end here.</summary>
    private static string? Clean(string? s) => ArticleFields.OneLine(s);
}
