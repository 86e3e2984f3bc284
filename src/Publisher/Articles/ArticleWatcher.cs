using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Publisher.Articles;

/// <summary>
/// Publishes what appears in ArticlesPath: a file watcher reacts within a second, and a periodic
/// rescan catches what watchers miss (editors that replace files, network mounts, overflowed buffers).
/// Only files whose size or time changed since the last look are read again.
/// </summary>
/// <para>
/// On PostgreSQL several hosts may share one folder (a network mount): only the host holding the folder's advisory lock
/// (<see cref="Data.Postgres.PostgresDatabase.ArticlesFolderLock"/>) watches it. The lock belongs to a connection, so
/// it passes to another host when the holder stops or dies (the server drops its connection); the others try for it
/// every <see cref="LeaseRetry"/>, and the holder checks every <see cref="LeaseRetry"/> that it still has it (a restarted
/// server ends the connection, and the lock with it).
/// </para>
public sealed class ArticleWatcher(IServiceScopeFactory scopes, IServiceProvider services, IOptions<PublisherOptions> options,
    IngestRejections rejections, ILogger<ArticleWatcher> logger)
    : BackgroundService
{
    public static readonly TimeSpan LeaseRetry = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);
    private readonly Dictionary<string, (long Length, DateTime Written)> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _touched = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Database.Provider != DatabaseProvider.Postgres)
        {
            await WatchAsync(stoppingToken);
            return;
        }
        var database = services.GetRequiredService<Data.Postgres.PostgresDatabase>();
        const long key = Data.Postgres.PostgresDatabase.ArticlesFolderLock;
        while (!stoppingToken.IsCancellationRequested)
        {
            Npgsql.NpgsqlConnection? holder = null;
            try
            {
                holder = await database.TryLockAsync(key, stoppingToken);
                if (holder is null)
                {
                    await Task.Delay(LeaseRetry, stoppingToken);
                    continue;
                }
                logger.LogInformation("This process now watches {Folder} (it holds the folder's lock)", options.Value.FullArticlesPath);
                using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var watching = WatchAsync(lost.Token);
                while (!watching.IsCompleted)
                {
                    await Task.WhenAny(watching, Task.Delay(LeaseRetry, stoppingToken));
                    if (!watching.IsCompleted && !await Data.Postgres.PostgresDatabase.StillHeldAsync(holder, key, stoppingToken))
                    {
                        logger.LogWarning("Lost the lock of {Folder} (the database connection ended); another process may watch it now", options.Value.FullArticlesPath);
                        await lost.CancelAsync();
                    }
                }
                await watching;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Taking the lock of the articles folder failed; trying again in {Retry}", LeaseRetry);
                await Task.Delay(LeaseRetry, CancellationToken.None);
            }
            finally
            {
                if (holder is not null) await holder.DisposeAsync();
            }
        }
    }

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        _seen.Clear(); // a new holder reads everything once (ingesting is idempotent: unchanged files change nothing)
        var o = options.Value;
        string folder = o.FullArticlesPath;
        if (!Directory.Exists(folder))
        {
            logger.LogWarning("Articles folder {Folder} does not exist; creating it and watching it", folder);
            Directory.CreateDirectory(folder);
        }
        using var watcher = CreateWatcher(folder);
        var period = TimeSpan.FromSeconds(o.Articles.RescanSeconds);
        var nextRescan = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                bool full = DateTime.UtcNow >= nextRescan;
                if (full) nextRescan = DateTime.UtcNow + period;
                var candidates = full ? ArticleIngestor.FilesUnder(folder).ToList() : DrainTouched();
                await IngestChangedAsync(candidates, stoppingToken);

                var wait = nextRescan - DateTime.UtcNow;
                if (wait > TimeSpan.Zero && await _wake.WaitAsync(wait, stoppingToken))
                    await Task.Delay(Debounce, stoppingToken); // let a burst of events (a copy, an editor's save) settle
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception ex)
            {
                logger.LogError(ex, "Scanning {Folder} failed; retrying at the next rescan", folder);
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            }
        }
    }

    private async Task IngestChangedAsync(List<string> candidates, CancellationToken ct)
    {
        var changed = new List<string>();
        foreach (var file in candidates)
        {
            var info = new FileInfo(file);
            if (!info.Exists) { _seen.Remove(file); continue; }
            var stamp = (info.Length, info.LastWriteTimeUtc);
            if (_seen.TryGetValue(file, out var seen) && seen == stamp) continue;
            changed.Add(file);
            _seen[file] = stamp;
        }
        if (changed.Count == 0) return;

        await using var scope = scopes.CreateAsyncScope();
        var ingestor = scope.ServiceProvider.GetRequiredService<ArticleIngestor>();
        List<IngestResult> results;
        try
        {
            results = await ingestor.IngestFilesAsync(changed, ct);
        }
        catch
        {
            // Nothing of this batch may be lost: forget the stamps so the next scan reads these files again.
            foreach (var file in changed) _seen.Remove(file);
            throw;
        }
        foreach (var r in results)
        {
            if (r.Outcome == IngestOutcome.Rejected)
            {
                logger.LogWarning("Rejected {File}: {Reason}", r.Name, r.Detail);
                rejections.Add(Path.GetRelativePath(options.Value.FullArticlesPath, Path.GetFullPath(r.Name)), r.Detail); // as the folder's owner knows it
            }
            else if (r.Outcome != IngestOutcome.Unchanged) logger.LogInformation("{Outcome} {Slug}: {Title}", r.Outcome, r.Name, r.Detail);
        }
    }

    private List<string> DrainTouched()
    {
        var touched = _touched.Keys.ToList();
        foreach (var f in touched) _touched.TryRemove(f, out _);
        return touched.Where(f => ArticleIngestor.FileExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();
    }

    private FileSystemWatcher CreateWatcher(string folder)
    {
        var watcher = new FileSystemWatcher(folder)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.DirectoryName,
            InternalBufferSize = 64 * 1024,
        };
        void Touch(string path) { _touched[path] = 0; _wake.Release(); }
        watcher.Created += (_, e) => Touch(e.FullPath);
        watcher.Changed += (_, e) => Touch(e.FullPath);
        watcher.Renamed += (_, e) => Touch(e.FullPath);
        // A lost event is not lost work: the next rescan finds the file.
        watcher.Error += (_, e) => logger.LogWarning(e.GetException(), "File watcher overflowed; the next rescan will catch up");
        watcher.EnableRaisingEvents = true;
        return watcher;
    }
}
