using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Publisher.Data;
using Publisher.Subscribers;

namespace Publisher.Admin.Console;

/// <summary>
/// CSV imports started from the console. Each runs in the background with its own scope (a large file outlives no
/// request) and counts the rows it has read, which the import's page shows until the report is there (no page reloads itself: a timed refresh fails people who
/// need time to read, WCAG 2.2.1). Kept in memory,
/// the last <see cref="Kept"/>: a restart forgets the reports (the members imported stay).
/// </summary>
public sealed class ImportRuns(IServiceScopeFactory scopes, IHostApplicationLifetime lifetime, ILogger<ImportRuns> logger)
{
    public const int Kept = 20;
    private readonly ConcurrentDictionary<string, Run> _runs = new(StringComparer.Ordinal);

    public sealed class Run(string id, string list, string fileName, long bytes, DateTime startedUtc)
    {
        private int _rowsRead;
        public string Id { get; } = id;
        public string List { get; } = list;
        public string FileName { get; } = fileName;
        public long Bytes { get; } = bytes;
        public DateTime StartedUtc { get; } = startedUtc;
        public int RowsRead => Volatile.Read(ref _rowsRead);
        public ImportReport? Report { get; private set; }
        public string? Error { get; private set; }
        public bool Done => _finished.Task.IsCompleted;
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Waits up to <paramref name="limit"/> for the report; false when the import is still running.</summary>
        public async Task<bool> WaitAsync(TimeSpan limit, CancellationToken ct)
        {
            try { await _finished.Task.WaitAsync(limit, ct); return true; }
            catch (TimeoutException) { return false; }
        }

        internal void Progress(int rows) => Volatile.Write(ref _rowsRead, rows);
        internal void Finish(ImportReport? report, string? error)
        {
            Report = report;
            Error = error;
            if (report is not null) Volatile.Write(ref _rowsRead, report.Rows);
            _finished.TrySetResult();
        }
    }

    private sealed class Counter(Run run) : IProgress<int>
    {
        public void Report(int value) => run.Progress(value);
    }

    public Run? Find(string id) => _runs.GetValueOrDefault(id);

    /// <summary>Starts importing <paramref name="bytes"/> into the list; returns at once.</summary>
    public Run Start(MailingList list, string fileName, byte[] bytes, bool confirmed, DateTime nowUtc)
    {
        var run = new Run(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant(), list.Name, fileName, bytes.Length, nowUtc);
        _runs[run.Id] = run;
        foreach (var old in _runs.Values.Where(r => r.Done).OrderByDescending(r => r.StartedUtc).Skip(Kept)) _runs.TryRemove(old.Id, out _);
        int listId = list.Id;
        _ = Task.Run(async () =>
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
                var current = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Id == listId, lifetime.ApplicationStopping);
                if (current is null) { run.Finish(null, "the list was deleted"); return; }
                var (report, error) = await scope.ServiceProvider.GetRequiredService<CsvImporter>()
                    .ImportAsync(current, bytes, confirmed, new Counter(run), lifetime.ApplicationStopping);
                run.Finish(report, error);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Import of {File} into {List} failed", fileName, run.List);
                run.Finish(null, ex is OperationCanceledException
                    ? "the service stopped during the import (the rows stored before it stopped stay; importing the file again adds the rest)"
                    : $"the import failed: {ex.Message}");
            }
        });
        return run;
    }
}
