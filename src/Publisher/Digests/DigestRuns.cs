using Microsoft.EntityFrameworkCore;
using Publisher.Data;
using Publisher.Subscribers;

namespace Publisher.Digests;

/// <summary>"Send the digest of this list now": make it once, then send what the ledger says is still to send.</summary>
public sealed class DigestRuns(PublisherDbContext db, DigestPlanner planner, DigestSender sender, IConfiguration configuration)
{
    /// <param name="Nothing">Why no digest was sent, when none was.</param>
    public sealed record Result(int? DigestId, int Articles, DigestSender.Outcome Outcome, string? Nothing = null);

    public async Task<Result> RunAsync(MailingList list, CancellationToken ct = default)
    {
        var digest = await planner.CreateAsync(list, ct);
        if (digest is null)
        {
            // Nothing new for this list; but a previous run may have left rows to send (a crash, a retry).
            var unfinished = await db.Deliveries.Where(d => d.Digest.ListId == list.Id && (d.State == DeliveryState.Pending || d.State == DeliveryState.Sending))
                .Select(d => (int?)d.DigestId).FirstOrDefaultAsync(ct);
            if (unfinished is null)
            {
                string why = await planner.HasRecipientsAsync(list, ct)
                    ? $"nothing new for '{list.Name}' since its last digest"
                    : $"'{list.Name}' has no confirmed members; no digest was made";
                return new Result(null, 0, new DigestSender.Outcome(0, 0, 0, 0), why);
            }
            digest = await db.Digests.AsNoTracking().SingleAsync(d => d.Id == unfinished, ct);
        }
        var outcome = await sender.SendAsync(digest.Id, PublicUrls.Base(configuration), ct);
        return new Result(digest.Id, digest.ArticleIdList.Count, outcome);
    }
}
