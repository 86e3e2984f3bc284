using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Articles;
using Publisher.Data;

namespace Publisher.Feeds;

/// <summary>
/// Rebuilds the feeds once per change: on a signal from an ingest in this process, or when the
/// database shows a change made by another process (a CLI verb), checked every rescan period.
/// </summary>
public sealed class FeedPublisher(FeedCache cache, ArticleChanges changes, IServiceScopeFactory scopes,
    IOptions<PublisherOptions> options, ILogger<FeedPublisher> logger) : BackgroundService
{
    private (int Count, DateTime? Updated, int? MaxId)? _seen; // null: nothing built yet, so the first pass builds

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(options.Value.Articles.RescanSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var fingerprint = await FingerprintAsync(stoppingToken);
                if (fingerprint != _seen)
                {
                    await cache.RebuildAsync(stoppingToken);
                    _seen = fingerprint;
                }
                await changes.WaitAsync(period, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception ex)
            {
                logger.LogError(ex, "Rebuilding feeds failed; the previous feeds stay published");
                await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
            }
        }
    }

    private async Task<(int, DateTime?, int?)> FingerprintAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        var stats = await db.Articles.GroupBy(_ => 1)
            .Select(g => new { Count = g.Count(), Updated = g.Max(a => (DateTime?)a.UpdatedUtc), MaxId = g.Max(a => (int?)a.Id) })
            .SingleOrDefaultAsync(ct);
        return stats is null ? (0, null, null) : (stats.Count, stats.Updated, stats.MaxId);
    }
}
