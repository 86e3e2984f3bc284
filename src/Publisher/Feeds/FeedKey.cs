namespace Publisher.Feeds;

/// <summary>Names one servable feed document: the site feed or a category's, a format, a page (1 is the newest).</summary>
public readonly record struct FeedKey(string? CategorySlug, FeedFormat Format, int Page = 1)
{
    /// <summary>The path under /feeds/, as HTTP and <c>feeds export</c> name it.</summary>
    public string RelativePath => CategorySlug is null ? Format.FileName() : $"categories/{CategorySlug}/{Format.FileName()}";
}
