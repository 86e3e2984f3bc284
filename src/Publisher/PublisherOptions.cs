using System.ComponentModel.DataAnnotations;

namespace Publisher;

/// <summary>The <c>Publisher</c> configuration section. Defaults live here, not in appsettings.json.</summary>
public sealed class PublisherOptions
{
    public const string Section = "Publisher";

    public string DataPath { get; set; } = "data";
    public string ArticlesPath { get; set; } = "seeds";
    public string? AdminApiKey { get; set; }
    public SiteOptions Site { get; set; } = new();
    public DatabaseOptions Database { get; set; } = new();
    public FeedOptions Feeds { get; set; } = new();
    public ArticleOptions Articles { get; set; } = new();

    public string FullDataPath => Path.GetFullPath(DataPath);
    public string FullArticlesPath => Path.GetFullPath(ArticlesPath);
}

public sealed class SiteOptions
{
    public string Title { get; set; } = "Publisher";
    public string Description { get; set; } = "";
    public string Language { get; set; } = "zh-CN";
    /// <summary>Absolute base for links in feeds and pages; empty means "the request's own base".</summary>
    public string? BaseUrl { get; set; }
    /// <summary>IANA zone for article times that carry none; empty means Asia/Shanghai on zh-* sites, else UTC.</summary>
    public string? TimeZone { get; set; }

    public bool IsChinese => Language.StartsWith("zh", StringComparison.OrdinalIgnoreCase);
}

public enum DatabaseProvider { Sqlite, Postgres }

public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
}

public sealed class FeedOptions
{
    [Range(1, 1000)]
    public int PageSize { get; set; } = 50;
}

public sealed class ArticleOptions
{
    /// <summary>Files larger than this are rejected without being read.</summary>
    [Range(1, int.MaxValue)]
    public long MaxFileBytes { get; set; } = 5 * 1024 * 1024;
    /// <summary>Seconds between full rescans of ArticlesPath; the file watcher alone misses events.</summary>
    [Range(1, 86400)]
    public int RescanSeconds { get; set; } = 30;
}
