using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Data;

namespace Publisher.Articles;

/// <summary>
/// Stores articles idempotently. A source (file or API slug) is known by its key; the same bytes again
/// are <c>unchanged</c>, other bytes <c>updated</c> in place (same id, same slug), a new key <c>added</c>.
/// A source that cannot be read is <c>rejected</c> and touches nothing.
/// </summary>
public sealed class ArticleIngestor(PublisherDbContext db, IOptions<PublisherOptions> options, ArticleChanges changes, TimeProvider clock,
    ILogger<ArticleIngestor> logger)
{
    public static readonly string[] FileExtensions = [".txt", ".md", ".markdown"];
    private const int BatchSize = 500;
    private const int LookupChunk = 1000;

    private readonly PublisherOptions _options = options.Value;
    private readonly ArticleFileReader _reader = new(options.Value.Articles, ArticleDates.ZoneFor(options.Value.Site), clock);

    /// <summary>Every article file under <paramref name="folder"/>, in a stable order.</summary>
    public static IEnumerable<string> FilesUnder(string folder) =>
        Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden })
            .Where(f => FileExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);

    public async Task<List<IngestResult>> IngestFilesAsync(IReadOnlyCollection<string> files, CancellationToken ct = default)
    {
        // Known hashes are looked up a chunk of files at a time, and slugs only once a new article needs one: the
        // service's start-up scan of 100,000 unchanged files then holds a chunk's rows, not every row's.
        HashSet<string>? slugs = null;
        var results = new List<IngestResult>(files.Count);
        var batch = new List<Pending>();
        foreach (var chunk in files.Chunk(LookupChunk))
        {
            var keys = chunk.Select(SourceKeyOf).ToArray();
            var known = await db.Articles.AsNoTracking().Where(a => EF.Parameter(keys).Contains(a.SourceKey))
                .Select(a => new Known(a.Id, a.SourceKey, a.ContentHash, a.Slug, a.Title))
                .ToDictionaryAsync(a => a.SourceKey, StringComparer.Ordinal, ct);
            for (int i = 0; i < chunk.Length; i++)
            {
                ct.ThrowIfCancellationRequested();
                string file = chunk[i], key = keys[i];
                known.TryGetValue(key, out var existing);
                try
                {
                    var read = await _reader.ReadAsync(file, existing?.ContentHash, ct);
                    if (read.Unchanged) { results.Add(new(IngestOutcome.Unchanged, existing!.Slug, existing.Title)); continue; }
                    if (read.Error is not null) { results.Add(new(IngestOutcome.Rejected, DisplayName(file), read.Error)); continue; }
                    if (existing is null)
                    {
                        slugs ??= (await db.Articles.Select(a => a.Slug).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
                        var article = NewArticle(read.Draft!, key, read.Hash, read.Format, Path.GetFileNameWithoutExtension(file), slugs);
                        db.Articles.Add(article);
                        batch.Add(new(article, IngestOutcome.Added, file));
                    }
                    else
                    {
                        var article = await db.Articles.SingleAsync(a => a.Id == existing.Id, ct);
                        Apply(article, read.Draft!, read.Hash, read.Format);
                        batch.Add(new(article, IngestOutcome.Updated, file));
                    }
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && ex is not DbUpdateException)
                {
                    // Whatever one file holds, it is that file's line, never the end of the run for all the others.
                    logger.LogWarning(ex, "Reading {File} failed", file);
                    results.Add(new(IngestOutcome.Rejected, DisplayName(file), $"cannot be read: {ex.GetType().Name}: {ex.Message}"));
                    continue;
                }
                if (batch.Count >= BatchSize) await FlushAsync(batch, results, ct);
            }
        }
        await FlushAsync(batch, results, ct);
        return results;
    }

    private sealed record Known(int Id, string SourceKey, string ContentHash, string Slug, string Title);

    /// <summary>An article read from a file, waiting to be stored with its batch.</summary>
    private sealed record Pending(Article Article, IngestOutcome Outcome, string File);

    /// <summary>Stores one article that did not come from a file (the JSON API).</summary>
    public async Task<IngestResult> IngestDraftAsync(ArticleDraft draft, string hash, CancellationToken ct = default)
    {
        string slug = Slugs.From(draft.Slug ?? draft.Title);
        string key = "api:" + slug;
        // Only the API's own article of that slug is updated; a file article with the same slug is left alone
        // (the new one gets a free slug), or the next scan of the file would silently undo this post.
        var article = await db.Articles.SingleOrDefaultAsync(a => a.SourceKey == key, ct);
        IngestOutcome outcome;
        if (article is null)
        {
            var slugs = (await db.Articles.Select(a => a.Slug).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            article = NewArticle(draft, key, hash, ArticleFormat.Json, slug, slugs);
            db.Articles.Add(article);
            outcome = IngestOutcome.Added;
        }
        else if (article.ContentHash == hash) return new(IngestOutcome.Unchanged, article.Slug, article.Title);
        else
        {
            Apply(article, draft, hash, ArticleFormat.Json);
            outcome = IngestOutcome.Updated;
        }
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        changes.Changed([article.Id]);
        return new(outcome, article.Slug, article.Title);
    }

    private async Task FlushAsync(List<Pending> batch, List<IngestResult> results, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        var stored = batch.ToList();
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (Hosting.StorageFailures.Of(ex) is null)
        {
            // A full or read-only disk is not the articles' fault: that goes up, and the watcher reads them again later.
            // One row the database refuses (a constraint, a trigger) must not cost the others of its batch: store them one at a time.
            logger.LogWarning(ex, "Storing {Count} articles at once failed; storing them one at a time", batch.Count);
            stored = await StoreOneByOneAsync(batch, results, ct);
        }
        db.ChangeTracker.Clear();
        foreach (var p in stored) results.Add(new(p.Outcome, p.Article.Slug, p.Article.Title));
        changes.Changed(stored.Select(p => p.Article.Id));
        batch.Clear();
    }

    private async Task<List<Pending>> StoreOneByOneAsync(List<Pending> batch, List<IngestResult> results, CancellationToken ct)
    {
        var stored = new List<Pending>();
        foreach (var p in batch)
        {
            db.ChangeTracker.Clear();
            if (p.Outcome == IngestOutcome.Added)
            {
                p.Article.Id = 0; // whatever the failed batch left there
                db.Articles.Add(p.Article);
            }
            else db.Articles.Update(p.Article);
            try
            {
                await db.SaveChangesAsync(ct);
                stored.Add(p);
            }
            catch (DbUpdateException ex) when (Hosting.StorageFailures.Of(ex) is null)
            {
                results.Add(new(IngestOutcome.Rejected, DisplayName(p.File), "cannot be stored: " + (ex.InnerException ?? ex).Message));
            }
        }
        return stored;
    }

    private Article NewArticle(ArticleDraft draft, string key, string hash, ArticleFormat format, string fallbackSlug, HashSet<string> taken)
    {
        string baseSlug = Slugs.From(draft.Slug ?? fallbackSlug);
        if (baseSlug.Length == 0) baseSlug = "article-" + hash[..10];
        string slug = baseSlug;
        for (int n = 2; taken.Contains(slug); n++) slug = $"{baseSlug}-{n}";
        taken.Add(slug);

        var now = clock.GetUtcNow().UtcDateTime;
        var article = new Article
        {
            Uid = Guid.NewGuid(), Slug = slug, SourceKey = key, ContentHash = hash,
            Title = "", Summary = "", BodyHtml = "", BodyText = "", CreatedUtc = now,
            FirstPublishedOn = DateOnly.FromDateTime(draft.PublishedAt.DateTime),
        };
        Apply(article, draft, hash, format);
        // Never edited yet: its content last changed when it was published, not when this process read it.
        article.UpdatedUtc = article.PublishedUtc;
        return article;
    }

    private void Apply(Article article, ArticleDraft draft, string hash, ArticleFormat format)
    {
        var before = ReaderVisible(article);
        article.ContentHash = hash;
        article.Format = format;
        article.Title = draft.Title;
        article.Summary = draft.Summary ?? Summaries.Cut(draft.BodyText);
        article.BodyHtml = draft.BodyHtml;
        article.BodyText = draft.BodyText;
        article.Author = draft.Author;
        article.Source = draft.Source;
        article.Category = draft.Category;
        article.CategorySlug = draft.Category is null ? null : NullIfEmpty(Slugs.From(draft.Category));
        article.Tags = string.Join('\n', draft.Tags);
        article.PublishedUtc = draft.PublishedAt.UtcDateTime;
        article.PublishedOffsetMinutes = (int)draft.PublishedAt.Offset.TotalMinutes;
        // Atom's "updated" moves only when readers would see a difference; new bytes in the page chrome change nothing.
        if (ReaderVisible(article) != before)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            article.UpdatedUtc = now > article.PublishedUtc ? now : article.PublishedUtc;
        }
    }

    /// <summary>Everything a feed or page shows of the article, to tell a real edit from a re-save.</summary>
    private static string ReaderVisible(Article a) => string.Join('\u0001', a.Title, a.Summary, a.BodyHtml, a.Author, a.Source, a.Category,
        a.Tags, a.PublishedUtc.Ticks, a.PublishedOffsetMinutes);

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    /// <summary>Files inside ArticlesPath are known by their relative path, so moving the whole site keeps identities.</summary>
    public string SourceKeyOf(string file)
    {
        string full = Path.GetFullPath(file);
        string relative = Path.GetRelativePath(_options.FullArticlesPath, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative.Replace('\\', '/');
    }

    private static string DisplayName(string file) => Path.GetRelativePath(Directory.GetCurrentDirectory(), file);
}
