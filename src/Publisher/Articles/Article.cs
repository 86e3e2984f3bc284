namespace Publisher.Articles;

public enum ArticleFormat { Text, Markdown, Json }

/// <summary>A published article. <see cref="Uid"/> is its permanent identity in every feed.</summary>
public sealed class Article
{
    public int Id { get; set; }
    /// <summary>Stable feed identity (<c>urn:uuid:</c>): never changes when the article is edited.</summary>
    public Guid Uid { get; set; }
    public required string Slug { get; set; }
    /// <summary>Where the article came from: a file path relative to ArticlesPath (or absolute), or <c>api:slug</c>.</summary>
    public required string SourceKey { get; set; }
    /// <summary>SHA-256 of the source bytes; an unchanged hash means an unchanged article.</summary>
    public required string ContentHash { get; set; }
    public ArticleFormat Format { get; set; }
    public required string Title { get; set; }
    public required string Summary { get; set; }
    public required string BodyHtml { get; set; }
    public required string BodyText { get; set; }
    public string? Author { get; set; }
    public string? Source { get; set; }
    public string? Category { get; set; }
    public string? CategorySlug { get; set; }
    /// <summary>Tags joined with '\n'.</summary>
    public string Tags { get; set; } = "";
    public DateTime PublishedUtc { get; set; }
    /// <summary>The zone offset the date was written in, so feeds show the article's own local time.</summary>
    public int PublishedOffsetMinutes { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }

    public DateTimeOffset PublishedAt => new DateTimeOffset(DateTime.SpecifyKind(PublishedUtc, DateTimeKind.Unspecified), TimeSpan.Zero)
        .ToOffset(TimeSpan.FromMinutes(PublishedOffsetMinutes));
    public DateTimeOffset UpdatedAt => new DateTimeOffset(DateTime.SpecifyKind(UpdatedUtc, DateTimeKind.Unspecified), TimeSpan.Zero)
        .ToOffset(TimeSpan.FromMinutes(PublishedOffsetMinutes));
    public IEnumerable<string> TagList => Tags.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
