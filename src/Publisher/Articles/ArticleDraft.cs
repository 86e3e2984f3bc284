namespace Publisher.Articles;

/// <summary>An article as a reader made it out of a file or a request, before it is stored.</summary>
public sealed record ArticleDraft
{
    public required string Title { get; init; }
    public required DateTimeOffset PublishedAt { get; init; }
    public string? Category { get; init; }
    public string? Author { get; init; }
    public string? Source { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>An explicit summary (plain text once normalized); when null one is cut from the body.</summary>
    public string? Summary { get; init; }
    /// <summary>Sanitized HTML of the body.</summary>
    public required string BodyHtml { get; init; }
    /// <summary>Plain text of the body, one paragraph a line.</summary>
    public required string BodyText { get; init; }
    public string? Slug { get; init; }
}

/// <summary>The outcome of reading one article: a draft, or the one-line reason there is none.</summary>
public readonly record struct ArticleRead(ArticleDraft? Draft, string? Error)
{
    /// <summary>The draft with its fields cleaned (<see cref="ArticleFields"/>), or its first field over a limit as the reason.</summary>
    public static ArticleRead Ok(ArticleDraft draft) =>
        ArticleFields.Normalize(draft, out var clean) is { } error ? Reject(error.Reason) : new(clean, null);
    public static ArticleRead Reject(string error) => new(null, error);
}
