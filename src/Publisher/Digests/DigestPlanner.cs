using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Articles;
using Publisher.Data;
using Publisher.Subscribers;

namespace Publisher.Digests;

/// <summary>
/// Decides what the next digest of a list holds and creates it once, with a Pending ledger row for every
/// confirmed member who gets it: not one who paused deliveries, nor one whose chosen categories have nothing in it. A digest holds the articles of the list's categories that no earlier digest of the list
/// covered, among those the site got since the start of the previous digest's period. The window overlaps one
/// period, so an article whose ingest transaction committed after a digest was made (its CreatedUtc is earlier
/// than that digest's end) is in the next digest, and the covered set keeps anything from coming twice.
/// </summary>
public sealed class DigestPlanner(PublisherDbContext db, IOptions<PublisherOptions> options, TimeProvider clock)
{
    /// <summary>The first digest of a list looks back this far, so a new list starts with the latest news.</summary>
    public static readonly TimeSpan FirstDigestLookBack = TimeSpan.FromDays(7);
    public const int MaxArticles = 30;
    /// <summary>How far before the previous digest's end articles are looked at again, for ingests that committed late.</summary>
    public static readonly TimeSpan LateCommitMargin = TimeSpan.FromDays(1);

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    /// <param name="Articles">The articles shown, newest first.</param>
    /// <param name="Covered">Every article the digest covers: those shown and <paramref name="MoreArticles"/> more.</param>
    public sealed record Plan(MailingList List, DateTime PeriodStartUtc, DateTime PeriodEndUtc, IReadOnlyList<Article> Articles, int MoreArticles,
        IReadOnlyList<int> Covered);

    /// <summary>What the next digest would hold if it were made now; no articles means there is nothing to send.</summary>
    public async Task<Plan> NextAsync(MailingList list, CancellationToken ct = default)
    {
        var previous = await db.Digests.AsNoTracking().Where(d => d.ListId == list.Id).OrderByDescending(d => d.PeriodEndUtc)
            .Select(d => new { d.PeriodStartUtc, d.PeriodEndUtc }).FirstOrDefaultAsync(ct);
        var start = previous?.PeriodEndUtc ?? list.CreatedUtc - FirstDigestLookBack;
        // At least a day back, too: two digests made within one ingest batch (the schedule and a "digest send") would
        // otherwise leave a window of seconds, shorter than a batch's stamp-to-commit time.
        var since = previous is null ? start : Min(previous.PeriodStartUtc, previous.PeriodEndUtc - LateCommitMargin);
        var end = clock.GetUtcNow().UtcDateTime;
        int listId = list.Id;
        var query = db.Articles.AsNoTracking()
            .Where(a => a.CreatedUtc > since)
            .Where(a => !db.CoveredArticles.Any(c => c.ArticleId == a.Id && db.Digests.Any(d => d.Id == c.DigestId && d.ListId == listId)));
        var categories = list.CategoryList;
        if (categories.Count > 0) query = query.Where(a => a.Category != null && categories.Contains(a.Category));
        var covered = await query.OrderByDescending(a => a.PublishedUtc).ThenByDescending(a => a.Id).Select(a => a.Id).ToListAsync(ct);
        var shownIds = covered.Take(MaxArticles).ToList();
        var byId = await db.Articles.AsNoTracking().Where(a => shownIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
        var articles = shownIds.Where(byId.ContainsKey).Select(id => byId[id]).ToList();
        return new Plan(list, start, end, articles, covered.Count - shownIds.Count, covered);
    }

    /// <summary>
    /// Creates the digest, what it covers and its ledger, in one transaction; null when there is nothing new for the list,
    /// or nothing for any member who gets mail now (the articles then wait for the next digest).
    /// </summary>
    public async Task<Digest?> CreateAsync(MailingList list, CancellationToken ct = default)
    {
        // Without a confirmed member nobody would get it, and the articles it covered would be lost to whoever confirms next.
        if (!await HasRecipientsAsync(list, ct)) return null;
        var plan = await NextAsync(list, ct);
        if (plan.Articles.Count == 0) return null;
        var digest = new Digest
        {
            ListId = list.Id, CreatedUtc = plan.PeriodEndUtc, PeriodStartUtc = plan.PeriodStartUtc, PeriodEndUtc = plan.PeriodEndUtc,
            ArticleIds = string.Join(',', plan.Articles.Select(a => a.Id)), MoreArticles = plan.MoreArticles,
            Covered = plan.Covered.Select(id => new CoveredArticle { ArticleId = id }).ToList(),
        };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Digests.Add(digest);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            // A unique violation (SQLITE_CONSTRAINT_UNIQUE): another run made the digest for this period first; that one
            // is the digest. Anything else (an article deleted meanwhile, a busy database) is an error for the caller.
            await transaction.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            return await db.Digests.AsNoTracking().SingleAsync(d => d.ListId == list.Id && d.PeriodStartUtc == plan.PeriodStartUtc, ct);
        }
        string domain = Email.MailDomain.Of(options.Value);
        // One statement for the whole list, however large: the ledger is written by the database, not row by row.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "Deliveries" ("DigestId", "SubscriberId", "MembershipId", "State", "Attempts", "MessageId", "UpdatedUtc", "DueUtc")
            SELECT {digest.Id}, m."SubscriberId", m."Id", 'Pending', 0, 'digest-' || {digest.Id} || '.subscriber-' || m."SubscriberId" || '@' || {domain}, {plan.PeriodEndUtc}, {plan.PeriodEndUtc}
            FROM "Memberships" AS m
            WHERE m."ListId" = {list.Id} AND m."Status" = 'Confirmed' AND (m."PausedUntilUtc" IS NULL OR m."PausedUntilUtc" <= {plan.PeriodEndUtc})
            """, ct);
        // Members who chose categories get only those: one whose categories have nothing new gets no mail. Few members
        // choose, so they are read and matched here rather than in the statement above (which stays plain SQL).
        var choosers = await db.Memberships.AsNoTracking()
            .Where(m => m.ListId == list.Id && m.Status == MembershipStatus.Confirmed && m.Categories != "")
            .Select(m => new { m.Id, m.Categories }).ToListAsync(ct);
        if (choosers.Count > 0)
        {
            var covered = plan.Covered.ToList();
            var present = (await db.Articles.AsNoTracking().Where(a => covered.Contains(a.Id) && a.Category != null)
                .Select(a => a.Category!).Distinct().ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            var nothingForThem = choosers.Where(m => !m.Categories.Split('\n').Any(present.Contains)).Select(m => m.Id).ToList();
            if (nothingForThem.Count > 0)
                await db.Deliveries.Where(d => d.DigestId == digest.Id && nothingForThem.Contains(d.MembershipId)).ExecuteDeleteAsync(ct);
        }
        if (!await db.Deliveries.AnyAsync(d => d.DigestId == digest.Id, ct))
        {
            await transaction.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            return null;
        }
        await transaction.CommitAsync(ct);
        db.ChangeTracker.Clear();
        return digest;
    }

    /// <summary>Whether a confirmed member who has not paused deliveries is on the list.</summary>
    public Task<bool> HasRecipientsAsync(MailingList list, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Memberships.AnyAsync(m => m.ListId == list.Id && m.Status == MembershipStatus.Confirmed
            && (m.PausedUntilUtc == null || m.PausedUntilUtc <= now), ct);
    }
}
