using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Data;
using Publisher.Email;
using Publisher.Hosting;
using Publisher.Subscribers;

namespace Publisher.Digests;

/// <summary>
/// Sends a digest from its ledger: claim a chunk of due rows in one statement, and for each row record that it is
/// being handed over, hand it to the server, record the outcome. Several workers (threads, processes, hosts) may run
/// this at once; the claim's re-checked WHERE keeps a row from being taken twice, and the claim-conditional marks keep
/// a row taken back from a dead process from being marked by it. See Digests/README.md.
/// </summary>
public sealed partial class DigestSender(IServiceScopeFactory scopes, IMailTransport transport, IOptions<PublisherOptions> options,
    RetrySchedule retries, ProcessLease lease, WriteGate gate, LedgerMarks marks, TimeProvider clock, ILogger<DigestSender> logger)
{
    public const int ChunkSize = 50;
    /// <summary>
    /// Rows a worker claims at once: <see cref="ChunkSize"/>, or about a minute's worth when a rate limit is set, so a
    /// claim is never held long enough to look dropped (<see cref="Hosting.DeadProcesses.StaleClaim"/>).
    /// </summary>
    private int ClaimSize => options.Value.Smtp.MaxMessagesPerSecond > 0
        ? Math.Clamp((int)(options.Value.Smtp.MaxMessagesPerSecond * 60), 1, ChunkSize) : ChunkSize;
    /// <summary>Rows due within this are waited for by a worker; later ones are left to the resumer.</summary>
    public static readonly TimeSpan WaitHorizon = TimeSpan.FromSeconds(2);
    public const int MaxErrorsReported = 10;
    /// <summary>At most this many per-delivery lines are kept for a caller to print.</summary>
    public const int MaxFailuresReported = 1000;
    /// <summary>How a delivery that could not be composed is marked; <see cref="DigestJobs"/> reports these on the dashboard.</summary>
    public const string NotComposed = "not composed: ";

    public sealed record Outcome(int Sent, int Failed, int Unknown, int Skipped)
    {
        /// <summary>Rows refused for now and waiting for a later try.</summary>
        public int Deferred { get; init; }
        /// <summary>Why the digest is paused (its server could not be reached), and until when; null when it is not.</summary>
        public string? PausedBecause { get; init; }
        public DateTime? PausedUntilUtc { get; init; }
        /// <summary>One line per delivery that failed, is unknown or waits (at most <see cref="MaxFailuresReported"/>).</summary>
        public IReadOnlyList<string> Failures { get; init; } = [];
        /// <summary>Deliveries that could not be composed (at most <see cref="MaxErrorsReported"/>), one line each.</summary>
        public IReadOnlyList<string> Errors { get; init; } = [];
        /// <summary>The ids of the deliveries that could not be composed.</summary>
        public IReadOnlyList<long> Uncomposed { get; init; } = [];

        public static Outcome None { get; } = new(0, 0, 0, 0);
    }

    /// <summary>Sends the digest's due rows with as many workers as SMTP connections, until none is left that is due now.</summary>
    /// <param name="maxRows">For a batch job: one worker that stops after about this many rows.</param>
    /// <param name="onlyDelivery">An admin's resend: this row only (it must be Pending).</param>
    /// <param name="ct">Stops claiming; a message wholly handed over is still waited for and recorded.</param>
    public async Task<Outcome> SendAsync(int digestId, string baseUrl, CancellationToken ct = default, int? maxRows = null, long? onlyDelivery = null)
    {
        Digest digest;
        List<Articles.Article> articles;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            digest = await db.Digests.AsNoTracking().Include(d => d.List).SingleAsync(d => d.Id == digestId, ct);
            var ids = digest.ArticleIdList;
            var byId = await db.Articles.AsNoTracking().Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
            articles = ids.Where(byId.ContainsKey).Select(id => byId[id]).ToList();
            if (articles.Count == 0)
            {
                // Every article of this digest was deleted since it was made: there is nothing left to send.
                int dropped = await db.Deliveries.Where(d => d.DigestId == digestId && d.State == DeliveryState.Pending)
                    .ExecuteUpdateAsync(d => d.SetProperty(x => x.State, DeliveryState.Failed)
                        .SetProperty(x => x.LastReply, "not sent: the digest's articles were deleted").SetProperty(x => x.UpdatedUtc, clock.GetUtcNow().UtcDateTime), ct);
                logger.LogWarning("Digest {Digest} has no articles left; {Count} deliveries failed", digestId, dropped);
                return new Outcome(0, dropped, 0, 0);
            }
        }
        await lease.EnsureStartedAsync(ct);
        var date = new DateTimeOffset(DateTime.SpecifyKind(digest.CreatedUtc, DateTimeKind.Utc));
        string? archiveUrl = digest.List.Archive ? new Feeds.SiteLinks(baseUrl).ArchivedDigest(digest.List.Name, digestId).AbsoluteUri : null;
        DigestComposer.Rendered rendered;
        await using (var scope = scopes.CreateAsyncScope())
        {
            rendered = await scope.ServiceProvider.GetRequiredService<DigestComposer>()
                .RenderAsync(digest.List, articles, digest.MoreArticles, baseUrl, date, archiveUrl);
        }

        // A member who chose categories gets the digest's articles of those categories only: one rendering per choice.
        async Task<DigestComposer.Rendered?> RenderChoiceAsync(IReadOnlyList<string> categories)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var ids = await (from c in db.CoveredArticles
                             where c.DigestId == digestId
                             join a in db.Articles on c.ArticleId equals a.Id
                             where a.Category != null && categories.Contains(a.Category)
                             orderby a.PublishedUtc descending, a.Id descending
                             select a.Id).ToListAsync(CancellationToken.None);
            if (ids.Count == 0) return null;
            var shown = ids.Take(DigestPlanner.MaxArticles).ToList();
            var byId = await db.Articles.AsNoTracking().Where(a => shown.Contains(a.Id)).ToDictionaryAsync(a => a.Id, CancellationToken.None);
            return await scope.ServiceProvider.GetRequiredService<DigestComposer>()
                .RenderAsync(digest.List, shown.Select(id => byId[id]).ToList(), ids.Count - shown.Count, baseUrl, date, archiveUrl);
        }

        var run = new Run(digestId, rendered, RenderChoiceAsync, baseUrl, maxRows ?? int.MaxValue, onlyDelivery, digest.Pauses > 0);
        int workers = maxRows is not null || onlyDelivery is not null || options.Value.Smtp.UsesOutbox ? 1 : options.Value.Smtp.MaxConnections;
        var tallies = await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => WorkAsync(run, ct)));
        return new Outcome(tallies.Sum(t => t.Sent), tallies.Sum(t => t.Failed) + run.GaveUp, tallies.Sum(t => t.Unknown), tallies.Sum(t => t.Skipped))
        {
            Deferred = tallies.Sum(t => t.Deferred),
            PausedBecause = run.PausedBecause,
            PausedUntilUtc = run.PausedUntilUtc,
            Failures = [.. run.Failures.Take(MaxFailuresReported)],
            Errors = tallies.SelectMany(t => t.Errors).Take(MaxErrorsReported).ToList(),
            Uncomposed = tallies.SelectMany(t => t.Uncomposed).ToList(),
        };
    }

    /// <summary>What the workers of one <see cref="SendAsync"/> call share.</summary>
    private sealed class Run(int digestId, DigestComposer.Rendered rendered,
        Func<IReadOnlyList<string>, Task<DigestComposer.Rendered?>> renderChoice, string baseUrl, int maxRows, long? onlyDelivery, bool wasPaused)
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<DigestComposer.Rendered?>>> _choices = new(StringComparer.Ordinal);

        public int DigestId { get; } = digestId;
        public DigestComposer.Rendered Rendered { get; } = rendered;

        /// <summary>The rendering for a member's category choice ('\n'-joined; empty: all); null when it holds none of the digest's articles.</summary>
        public Task<DigestComposer.Rendered?> ForAsync(string categories)
        {
            if (categories.Length == 0) return Task.FromResult<DigestComposer.Rendered?>(Rendered);
            var chosen = categories.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
            return _choices.GetOrAdd(string.Join('\n', chosen), _ => new Lazy<Task<DigestComposer.Rendered?>>(() => renderChoice(chosen))).Value;
        }

        public string BaseUrl { get; } = baseUrl;
        public int MaxRows { get; } = maxRows;
        public long? OnlyDelivery { get; } = onlyDelivery;
        private int _pauseOpen = wasPaused ? 1 : 0;
        private volatile bool _paused;
        public bool Paused => _paused;
        public string? PausedBecause { get; private set; }
        public DateTime? PausedUntilUtc { get; private set; }
        public int GaveUp;
        public System.Collections.Concurrent.ConcurrentQueue<string> Failures { get; } = new();

        public void Pause(string why, DateTime? until)
        {
            PausedBecause = why;
            PausedUntilUtc = until;
            _paused = true;
        }

        /// <summary>True for the one worker that should clear the digest's pause after a message got through.</summary>
        public bool TakePauseToClear() => Interlocked.Exchange(ref _pauseOpen, 0) == 1;

        public void Report(string line)
        {
            if (Failures.Count < MaxFailuresReported) Failures.Enqueue(line);
        }
    }

    private sealed class Tally
    {
        public int Sent, Failed, Unknown, Skipped, Deferred, Taken;
        public List<string> Errors { get; } = [];
        public List<long> Uncomposed { get; } = [];
    }
}
