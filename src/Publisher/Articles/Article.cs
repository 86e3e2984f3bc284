namespace Publisher.Articles;

public enum ArticleFormat { Text, Markdown, Json }

/// <summary>
/// A published article. Feeds identify it by a <c>tag:</c> URI made of the site's host, <see cref="FirstPublishedOn"/>
/// and <see cref="Slug"/>, all fixed when it is added, so a rebuilt database gives every article its old id.
/// </summary>
public sealed class Article
{
    public int Id { get; set; }
    /// <summary>A random row identity from the first schema; unique, but nothing published uses it (it differs per database).</summary>
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
    /// <summary>The publication date (in the article's own zone) when it was added; part of its feed id, kept through edits.</summary>
    public DateOnly FirstPublishedOn { get; set; }
    /// <summary>When the row was first stored (digests cover articles by it).</summary>
    public DateTime CreatedUtc { get; set; }
    /// <summary>When the article's content last changed: its publication time until an edit changes what readers see.</summary>
    public DateTime UpdatedUtc { get; set; }

    public DateTimeOffset PublishedAt => new DateTimeOffset(DateTime.SpecifyKind(PublishedUtc, DateTimeKind.Unspecified), TimeSpan.Zero)
        .ToOffset(TimeSpan.FromMinutes(PublishedOffsetMinutes));
    public DateTimeOffset UpdatedAt => new DateTimeOffset(DateTime.SpecifyKind(UpdatedUtc, DateTimeKind.Unspecified), TimeSpan.Zero)
        .ToOffset(TimeSpan.FromMinutes(PublishedOffsetMinutes));
    public IEnumerable<string> TagList => Tags.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
