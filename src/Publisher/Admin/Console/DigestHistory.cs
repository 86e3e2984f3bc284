using Microsoft.EntityFrameworkCore;
using Publisher.Bounces;
using Publisher.Data;
using Publisher.Digests;
using Publisher.Subscribers;

namespace Publisher.Admin.Console;

/// <summary>What the digests page shows of a list: its last digests with their deliveries per state, and its confirmed members day by day.</summary>
public static class DigestHistory
{
    public const int Digests = 30;
    public const int Days = 60;
    public const int UnknownShown = 200;

    /// <param name="Bounced">Deliveries the server took that a hard bounce report came back for later.</param>
    public sealed record Row(int Id, DateTime CreatedUtc, int Articles, int Pending, int Sending, int Sent, int Failed, int Unknown, int Bounced,
        DateTime? PausedUntilUtc, string? PauseReason)
    {
        public int Total => Pending + Sending + Sent + Failed + Unknown;
    }

    public sealed record Point(DateOnly Day, int Confirmed);

    public sealed record UnknownDelivery(long Id, int DigestId, string Email, int Attempts, string? LastReply, DateTime UpdatedUtc);

    /// <summary>The list's last <see cref="Digests"/> digests, newest first.</summary>
    public static async Task<List<Row>> RowsAsync(PublisherDbContext db, int listId, DateTime nowUtc, CancellationToken ct)
    {
        var digests = await db.Digests.AsNoTracking().Where(d => d.ListId == listId).OrderByDescending(d => d.Id).Take(Digests)
            .Select(d => new { d.Id, d.CreatedUtc, d.ArticleIds, d.MoreArticles, d.PausedUntilUtc, d.PauseReason }).ToListAsync(ct);
        var ids = digests.Select(d => d.Id).ToList();
        var states = await db.Deliveries.Where(x => EF.Parameter(ids).Contains(x.DigestId)).GroupBy(x => new { x.DigestId, x.State })
            .Select(g => new { g.Key.DigestId, g.Key.State, Count = g.Count() }).ToListAsync(ct);
        var bounced = (await (from r in db.BounceReports
                              where r.Kind == ReportKind.Hard && r.DeliveryId != null
                              join d in db.Deliveries on r.DeliveryId equals d.Id
                              where EF.Parameter(ids).Contains(d.DigestId)
                              select new { d.DigestId, d.Id }).Distinct().ToListAsync(ct))
            .GroupBy(x => x.DigestId).ToDictionary(g => g.Key, g => g.Count());
        int Of(int id, params DeliveryState[] s) => states.Where(x => x.DigestId == id && s.Contains(x.State)).Sum(x => x.Count);
        return digests.Select(d => new Row(d.Id, d.CreatedUtc, d.ArticleIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Length + d.MoreArticles,
            Of(d.Id, DeliveryState.Pending), Of(d.Id, DeliveryState.Sending, DeliveryState.Submitting), Of(d.Id, DeliveryState.Sent), Of(d.Id, DeliveryState.Failed),
            Of(d.Id, DeliveryState.Unknown), bounced.GetValueOrDefault(d.Id), d.PausedUntilUtc > nowUtc ? d.PausedUntilUtc : null,
            d.PausedUntilUtc > nowUtc ? d.PauseReason : null)).ToList();
    }

    /// <summary>
    /// Confirmed members at the end of each of the last <see cref="Days"/> days (UTC): everyone confirmed by then, less those
    /// who have since left (unsubscribed or bounced) by then. Counted per day in the database; one row per day comes back.
    /// </summary>
    public static async Task<List<Point>> ConfirmedAsync(PublisherDbContext db, int listId, DateTime nowUtc, CancellationToken ct)
    {
        var confirmed = db.Memberships.Where(m => m.ListId == listId && m.ConfirmedUtc != null);
        var joins = await confirmed.GroupBy(m => m.ConfirmedUtc!.Value.Date).Select(g => new { Day = g.Key, Count = g.Count() }).ToListAsync(ct);
        var leaves = await confirmed.Where(m => m.Status == MembershipStatus.Unsubscribed || m.Status == MembershipStatus.Bounced)
            .Select(m => m.UnsubscribedUtc ?? m.BouncedUtc).Where(t => t != null).GroupBy(t => t!.Value.Date)
            .Select(g => new { Day = g.Key, Count = g.Count() }).ToListAsync(ct);
        var today = DateOnly.FromDateTime(nowUtc);
        var first = today.AddDays(-(Days - 1));
        int running = joins.Where(j => DateOnly.FromDateTime(j.Day) < first).Sum(j => j.Count) - leaves.Where(l => DateOnly.FromDateTime(l.Day) < first).Sum(l => l.Count);
        var joinsByDay = joins.Where(j => DateOnly.FromDateTime(j.Day) >= first).ToDictionary(j => DateOnly.FromDateTime(j.Day), j => j.Count);
        var leavesByDay = leaves.Where(l => DateOnly.FromDateTime(l.Day) >= first).ToDictionary(l => DateOnly.FromDateTime(l.Day), l => l.Count);
        var points = new List<Point>(Days);
        for (var day = first; day <= today; day = day.AddDays(1))
        {
            running += joinsByDay.GetValueOrDefault(day) - leavesByDay.GetValueOrDefault(day);
            points.Add(new Point(day, running));
        }
        return points;
    }

    /// <summary>The list's deliveries in state Unknown (the server may or may not have them): an admin decides about each.</summary>
    public static async Task<List<UnknownDelivery>> UnknownAsync(PublisherDbContext db, int listId, CancellationToken ct) =>
        await (from d in db.Deliveries
               where d.State == DeliveryState.Unknown && d.Digest.ListId == listId
               join s in db.Subscribers on d.SubscriberId equals s.Id
               orderby d.Id descending
               select new UnknownDelivery(d.Id, d.DigestId, s.Email, d.Attempts, d.LastReply, d.UpdatedUtc)).Take(UnknownShown).ToListAsync(ct);
}
