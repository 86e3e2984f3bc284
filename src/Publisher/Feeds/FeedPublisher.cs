using Microsoft.Extensions.Options;
using Publisher.Articles;

namespace Publisher.Feeds;

/// <summary>
/// Publishes the feeds: all of them once at start, then per change the feeds of the changed articles (as an ingest
/// in this process names them). Each pass, and every <see cref="CheckPeriod"/>, it checks that the database holds what
/// the index says; a change made by another process (a CLI verb, another host) shows there, and the index is loaded again.
/// </summary>
public sealed class FeedPublisher(FeedStore store, ArticleChanges changes, IOptions<PublisherOptions> options, TimeProvider clock,
    ILogger<FeedPublisher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = CheckPeriod(options.Value);
        bool published = false;
        int warmUps = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!published)
                {
                    await TimedAsync(() => store.ReloadAsync(stoppingToken), "all");
                    published = true;
                    // Runs the change path once with a change that changes nothing, so the first real change does not
                    // pay for compiling its query and code (about 60 ms on 10,000 articles).
                    var index = await store.IndexAsync(stoppingToken);
                    if (index.Count > 0) await store.ApplyAsync(new HashSet<int> { index.Site.Entries[0].Id }, stoppingToken);
                    warmUps = WarmUpRounds;
                }
                bool woke = await changes.WaitAsync(warmUps > 0 ? WarmUpPause : period, stoppingToken);
                if (warmUps > 0)
                {
                    warmUps--;
                    if (!woke) WarmUp(stoppingToken);
                }
                var ids = changes.TakeChanged();
                if (ids.Count > 0) await TimedAsync(() => store.ApplyAsync(ids, stoppingToken), $"{ids.Count} changed");
                if (!await store.MatchesDatabaseAsync(stoppingToken)) await TimedAsync(() => store.ReloadAsync(stoppingToken), "changed elsewhere");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception ex)
            {
                logger.LogError(ex, "Publishing feeds failed; the previous feeds stay published");
                published = false; // start over from a full load: what was applied is unknown
                await Task.Delay(TimeSpan.FromSeconds(2), clock, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// The runtime counts a method's calls towards optimizing it (tier 1) only once no new code has been compiled for
    /// 100 ms, which at start-up is after the first publication and the warm-up above have run. Left there, the first
    /// real change serialized with unoptimized code (5-35 ms for the six documents in 13 probe runs on 10,000
    /// articles, 3-10 ms later), and the optimized code was compiled during the next rebuilds. A few rounds of
    /// serializing the ready pages, a pause apart, move that to the start: 3-10 ms in the first change since
    /// (bench/README.md, third round). A round serializes up to <see cref="WarmUpDocuments"/> ready first pages on one thread.
    /// </summary>
    private const int WarmUpRounds = 4;

    /// <summary>
    /// Documents a warm-up round serializes at most: every format of the site feed and of a few categories, enough calls
    /// for the serializers to count up to tier 1 over the rounds, and a bound on a round's time on a site with many
    /// categories or long pages.
    /// </summary>
    private const int WarmUpDocuments = 16;

    private void WarmUp(CancellationToken stoppingToken)
    {
        long started = clock.GetTimestamp();
        var (written, failed) = store.WarmUp(WarmUpDocuments, () => stoppingToken.IsCancellationRequested || changes.Pending);
        // Only ever a cost saved for later: the published feeds are untouched, and a page that could not be written was
        // reported by the build that published it.
        logger.LogDebug("Warm-up round: serialized {Written} ready first pages ({Failed} could not be) in {Elapsed:N0} ms", written, failed,
            clock.GetElapsedTime(started).TotalMilliseconds);
    }

    private static readonly TimeSpan WarmUpPause = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// How often the database is compared with the index. On SQLite only a CLI verb on the same machine writes beside
    /// this process: the rescan period will do. On PostgreSQL every host ingests (its API, the watched folder), and an
    /// article any of them took in must be in every host's feeds within 2 seconds: one small aggregate query a second
    /// (count, newest id, newest update; an index-only scan) tells when to reload. Every host builds the same bytes
    /// from the same rows, so every host answers the same ETag.
    /// </summary>
    public static TimeSpan CheckPeriod(PublisherOptions o) =>
        o.Database.Provider == DatabaseProvider.Postgres ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(o.Articles.RescanSeconds);

    private async Task TimedAsync(Func<Task<PublishOutcome>> publish, string why)
    {
        long started = clock.GetTimestamp();
        // The process's, not only this work's: diagnostics of the time below (GC pauses, methods JIT-compiled meanwhile on
        // any thread, including the background tier-up of code that ran before, and the CPU the whole process used).
        var paused = GC.GetTotalPauseDuration();
        long jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        var jitTime = System.Runtime.JitInfo.GetCompilationTime();
        var cpu = Environment.CpuUsage.TotalTime;
        long allocated = GC.GetTotalAllocatedBytes();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var outcome = await publish();
        logger.LogInformation("Built feeds of {Count} articles ({Why}: {Groups} feeds, {Documents} documents; index {Index:N0} ms, load {Load:N0} ms, build {Build:N0} ms of which serializing {Serialize:N0} ms; GC pauses {Gc:N0} ms, collections {Gen0}/{Gen1}/{Gen2}, {Allocated:N1} MB allocated; JIT {Jitted} methods {JitTime:N0} ms; process CPU {Cpu:N0} ms) in {Elapsed:N0} ms",
            outcome.Articles, why, outcome.Groups, outcome.Documents, outcome.IndexTime.TotalMilliseconds, outcome.LoadTime.TotalMilliseconds,
            outcome.BuildTime.TotalMilliseconds, outcome.SerializeTime.TotalMilliseconds, (GC.GetTotalPauseDuration() - paused).TotalMilliseconds,
            GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2, (GC.GetTotalAllocatedBytes() - allocated) / 1048576.0, System.Runtime.JitInfo.GetCompiledMethodCount() - jitted, (System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds,
            (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds, clock.GetElapsedTime(started).TotalMilliseconds);
    }
}
