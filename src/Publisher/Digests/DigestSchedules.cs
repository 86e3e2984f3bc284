using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Publisher.Data;
using Publisher.Subscribers;

namespace Publisher.Digests;

/// <summary>
/// Keeps one Hangfire recurring job per list (its cron in its time zone), in step with the Lists table: at
/// start, right after an API change, and every minute (lists made or changed by a CLI verb).
/// </summary>
public sealed class DigestSchedules(IServiceScopeFactory scopes, IRecurringJobManager recurring, JobStorage storage, ILogger<DigestSchedules> logger)
    : BackgroundService
{
    private const string Prefix = "digest-list-";
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    public static string JobId(int listId) => Prefix + listId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SyncAsync(stoppingToken);
                await Task.Delay(Period, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception ex)
            {
                logger.LogError(ex, "Syncing digest schedules failed; retrying in a minute");
                await Task.Delay(Period, CancellationToken.None);
            }
        }
    }

    public async Task SyncAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        var lists = await db.Lists.AsNoTracking().ToListAsync(ct);
        var wanted = new HashSet<string>();
        foreach (var list in lists)
        {
            TimeZoneInfo zone;
            try { zone = MailingLists.Zone(list); }
            catch (TimeZoneNotFoundException ex)
            {
                // Not silently UTC: the list is left unscheduled and says why, every minute, until someone fixes it.
                logger.LogError("{Problem} Its digests are not scheduled until then.", ex.Message);
                continue;
            }
            recurring.AddOrUpdate<DigestJobs>(JobId(list.Id), j => j.RunListAsync(list.Id), list.Schedule, new RecurringJobOptions { TimeZone = zone });
            wanted.Add(JobId(list.Id));
        }
        using var connection = storage.GetConnection();
        foreach (var job in connection.GetRecurringJobs().Where(j => j.Id.StartsWith(Prefix, StringComparison.Ordinal) && !wanted.Contains(j.Id)))
            recurring.RemoveIfExists(job.Id);
    }
}
