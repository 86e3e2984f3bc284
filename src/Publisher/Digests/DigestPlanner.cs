using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Articles;
using Publisher.Data;
using Publisher.Subscribers;

namespace Publisher.Digests;

/// <summary>
/// Decides what the next digest of a list holds (the articles added to the site since the previous
/// digest, in the list's categories) and creates it once, with a Pending ledger row for every confirmed member.
/// </summary>
public sealed class DigestPlanner(PublisherDbContext db, IOptions<PublisherOptions> options, TimeProvider clock)
{
    /// <summary>The first digest of a list looks back this far, so a new list starts with the latest news.</summary>
    public static readonly TimeSpan FirstDigestLookBack = TimeSpan.FromDays(7);
    public const int MaxArticles = 30;

    public sealed record Plan(MailingList List, DateTime PeriodStartUtc, DateTime PeriodEndUtc, IReadOnlyList<Article> Articles, int MoreArticles);

    /// <summary>What the next digest would hold if it were made now; no articles means there is nothing to send.</summary>
    public async Task<Plan> NextAsync(MailingList list, CancellationToken ct = default)
    {
        var previousEnd = await db.Digests.Where(d => d.ListId == list.Id).MaxAsync(d => (DateTime?)d.PeriodEndUtc, ct);
        var start = previousEnd ?? list.CreatedUtc - FirstDigestLookBack;
        var end = clock.GetUtcNow().UtcDateTime;
        var query = db.Articles.AsNoTracking().Where(a => a.CreatedUtc > start && a.CreatedUtc <= end);
        var categories = list.CategoryList;
        if (categories.Count > 0) query = query.Where(a => a.Category != null && categories.Contains(a.Category));
        int total = await query.CountAsync(ct);
        var articles = await query.OrderByDescending(a => a.PublishedUtc).ThenByDescending(a => a.Id).Take(MaxArticles).ToListAsync(ct);
        return new Plan(list, start, end, articles, total - articles.Count);
    }

    /// <summary>Creates the digest and its ledger; null when there is nothing new for the list.</summary>
    public async Task<Digest?> CreateAsync(MailingList list, CancellationToken ct = default)
    {
        var plan = await NextAsync(list, ct);
        if (plan.Articles.Count == 0) return null;
        var digest = new Digest
        {
            ListId = list.Id, CreatedUtc = plan.PeriodEndUtc, PeriodStartUtc = plan.PeriodStartUtc, PeriodEndUtc = plan.PeriodEndUtc,
            ArticleIds = string.Join(',', plan.Articles.Select(a => a.Id)),
        };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Digests.Add(digest);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another run made the digest for this period first; that one is the digest.
            await transaction.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            return await db.Digests.SingleAsync(d => d.ListId == list.Id && d.PeriodStartUtc == plan.PeriodStartUtc, ct);
        }
        string domain = MessageDomain(options.Value);
        // One statement for the whole list, however large: the ledger is written by the database, not row by row.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "Deliveries" ("DigestId", "SubscriberId", "MembershipId", "State", "Attempts", "MessageId", "UpdatedUtc")
            SELECT {digest.Id}, m."SubscriberId", m."Id", 'Pending', 0, 'digest-' || {digest.Id} || '.subscriber-' || m."SubscriberId" || '@' || {domain}, {plan.PeriodEndUtc}
            FROM "Memberships" AS m
            WHERE m."ListId" = {list.Id} AND m."Status" = 'Confirmed'
            """, ct);
        await transaction.CommitAsync(ct);
        return digest;
    }

    /// <summary>The right-hand side of Message-IDs: the site's host, else the sender's domain.</summary>
    public static string MessageDomain(PublisherOptions o)
    {
        if (Uri.TryCreate(o.Site.BaseUrl, UriKind.Absolute, out var site) && site.Host.Contains('.')) return site.Host;
        return MimeKit.MailboxAddress.TryParse(o.Smtp.From, out var from) && from.Domain.Length > 0 ? from.Domain : "publisher.invalid";
    }
}
