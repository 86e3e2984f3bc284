using Microsoft.EntityFrameworkCore;
using Publisher.Data;

namespace Publisher.Hosting;

/// <summary>
/// This process's registration: an id unique to this start, a row in <c>HostProcesses</c> renewed every
/// <see cref="Beat"/>, and the fence a sender checks before it hands a message over: a process whose renewals
/// failed for too long stops sending, because the others may already have taken its claims back.
/// </summary>
public sealed class ProcessLease(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ProcessLease> logger) : IAsyncDisposable
{
    public static readonly TimeSpan Beat = TimeSpan.FromSeconds(10);
    /// <summary>
    /// A process not seen for this long is dead; its claims are recovered. Long beside a beat, so a busy machine (a
    /// starved thread pool, a database lock held for a while) does not make a live process look dead; a process that
    /// crashed on this machine is seen to be gone at once (<see cref="LocalProcess"/>).
    /// </summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(60);
    /// <summary>This process stops handing messages over this long before the others would take it for dead.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(20);

    private readonly SemaphoreSlim _starting = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _beating;
    private long _lastBeatTicks;
    private int _stopped;
    private Task? _stopping;
    private readonly Lock _stopGate = new();

    private volatile string _id = NewId();

    /// <summary>
    /// Readable (machine and PID) for the log, unique by its random part (two containers often share both machine name and
    /// PID). Short enough that a claim, this id and a second random part, fits the 100 characters of ClaimedBy. A new one after this process was taken for
    /// dead: its old claims were taken back and may be claimed again, so nothing it still holds under the old id may count.
    /// </summary>
    public string Id => _id;

    private static string NewId() => $"{Truncate(Environment.MachineName, 24)}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    private static string Truncate(string s, int length) => s.Length <= length ? s : s[..length];

    /// <summary>Whether this process still holds its claims: it is not stopping, and its last renewal is recent enough.</summary>
    public bool Holds => _beating is not null && Volatile.Read(ref _stopped) == 0 && clock.GetUtcNow().UtcDateTime - new DateTime(Interlocked.Read(ref _lastBeatTicks), DateTimeKind.Utc) < Expiry - Margin;

    /// <summary>The earliest renewal time of a process that is still alive.</summary>
    public DateTime LiveSince => clock.GetUtcNow().UtcDateTime - Expiry;

    /// <summary>Registers this process (once) and starts renewing the registration.</summary>
    public async Task EnsureStartedAsync(CancellationToken ct = default)
    {
        if (_beating is not null) return;
        await _starting.WaitAsync(ct);
        try
        {
            if (_beating is not null) return;
            var now = clock.GetUtcNow().UtcDateTime;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
                db.HostProcesses.Add(Registration(now));
                await db.SaveChangesAsync(ct);
            }
            Interlocked.Exchange(ref _lastBeatTicks, now.Ticks);
            _beating = Task.Run(BeatAsync, CancellationToken.None);
        }
        finally { _starting.Release(); }
    }

    private async Task BeatAsync()
    {
        using var timer = new PeriodicTimer(Beat, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    await RenewAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Renewing the registration of process {Process} failed; trying again in {Beat}", Id, Beat);
                }
            }
        }
        catch (OperationCanceledException) { /* stopping */ }
    }

    /// <summary>Writes this process's "seen" time now (the beat does this on its own).</summary>
    public async Task RenewAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        int renewed = await scope.ServiceProvider.GetRequiredService<WriteGate>().RunAsync(db,
            () => db.Database.ExecuteSqlAsync($"""UPDATE "HostProcesses" SET "SeenUtc" = {now} WHERE "Id" = {Id}""", ct));
        if (renewed == 0)
        {
            // Another process took this one for dead and removed it (a long pause, a suspended VM): its claims are gone,
            // and it registers afresh, under a new id, for new ones.
            string old = Id;
            _id = NewId();
            db.HostProcesses.Add(Registration(now));
            await db.SaveChangesAsync(ct);
            logger.LogWarning("Process {Old} had been taken for dead; registered again as {Process}", old, Id);
        }
        Interlocked.Exchange(ref _lastBeatTicks, now.Ticks);
    }

    private HostProcess Registration(DateTime now) => new()
    {
        Id = Id, Machine = Environment.MachineName, ProcessId = Environment.ProcessId, StartedUtc = now, SeenUtc = now, Instance = LocalProcess.Instance,
    };

    /// <summary>
    /// Stops renewing and removes the registration, so whatever this process still held is recovered at once. Called as
    /// the host stops (after the other hosted services) and by a verb before it disposes the host.
    /// </summary>
    public Task StopAsync()
    {
        if (_beating is null) return Task.CompletedTask;
        // A second caller (the host's stop and a verb's, say) waits for the first one's removal to finish.
        lock (_stopGate) return _stopping ??= StopOnceAsync();
    }

    private async Task StopOnceAsync()
    {
        Interlocked.Exchange(ref _stopped, 1);
        await _stop.CancelAsync();
        await _beating!;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            await db.Database.ExecuteSqlAsync($"""DELETE FROM "HostProcesses" WHERE "Id" = {Id}""");
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Removing the registration of process {Process} failed; it expires by itself", Id);
        }
    }

    /// <summary>Stops the beat (the registration then expires by itself, if <see cref="StopAsync"/> did not remove it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_beating is null) return;
        Task? stopping;
        lock (_stopGate) stopping = _stopping;
        if (stopping is not null) { await stopping; return; }
        Interlocked.Exchange(ref _stopped, 1);
        await _stop.CancelAsync();
        await _beating;
    }
}
