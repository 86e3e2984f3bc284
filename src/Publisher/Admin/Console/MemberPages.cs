using Microsoft.EntityFrameworkCore;
using Publisher.Data;
using Publisher.Subscribers;

namespace Publisher.Admin.Console;

/// <summary>One page of a list's members, searched by address or name and filtered by status.</summary>
public static class MemberPages
{
    public const int PageSize = 50;

    public sealed record MemberRow(string Email, string? Name, MembershipStatus Status, DateTime SubscribedUtc, DateTime? ConfirmedUtc);

    public sealed record Query(string? Search, MembershipStatus? Status, int Page)
    {
        /// <summary>The address of this query's page <paramref name="page"/> of <paramref name="list"/>.</summary>
        public string Link(string list, int page)
        {
            var parts = new List<string>();
            if (!string.IsNullOrWhiteSpace(Search)) parts.Add("q=" + Uri.EscapeDataString(Search.Trim()));
            if (Status is { } s) parts.Add("status=" + s.ToString().ToLowerInvariant());
            if (page > 1) parts.Add("page=" + page);
            return ConsoleRoutes.List(list) + (parts.Count > 0 ? "?" + string.Join('&', parts) : "");
        }
    }

    public sealed record Page(IReadOnlyList<MemberRow> Rows, int Total, int Number, int Pages);

    public static bool TryParseStatus(string? value, out MembershipStatus? status)
    {
        status = null;
        if (string.IsNullOrEmpty(value)) return true;
        if (!value.All(char.IsAsciiLetter) || !Enum.TryParse<MembershipStatus>(value, ignoreCase: true, out var s)) return false;
        status = s;
        return true;
    }

    /// <summary>
    /// Newest member first. The page's ids come from an index alone: (ListId, Id) for all members, (ListId, Status) for one
    /// status, so page 2,000 of 100,000 members costs what page 1 does; only the 50 rows shown are read whole. A search
    /// reads every member's address and name once, keeping the ids that match, which gives the count and the page together.
    /// A page past the last one is the last one.
    /// </summary>
    public static async Task<Page> LoadAsync(PublisherDbContext db, int listId, Query query, CancellationToken ct)
    {
        var members = db.Memberships.AsNoTracking().Where(m => m.ListId == listId);
        if (query.Status is { } status) members = members.Where(m => m.Status == status);
        int total, number, pages;
        List<int> ids;
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            string pattern = "%" + query.Search.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            var matching = await members.Where(m => EF.Functions.Like(m.Subscriber.Email, pattern, "\\") || EF.Functions.Like(m.Subscriber.Name!, pattern, "\\"))
                .OrderByDescending(m => m.Id).Select(m => m.Id).ToListAsync(ct);
            (total, number, pages) = Paging(matching.Count, query.Page);
            ids = matching.Skip((number - 1) * PageSize).Take(PageSize).ToList();
        }
        else
        {
            (total, number, pages) = Paging(await members.CountAsync(ct), query.Page);
            ids = total == 0 ? [] : await members.OrderByDescending(m => m.Id).Skip((number - 1) * PageSize).Take(PageSize).Select(m => m.Id).ToListAsync(ct);
        }
        var rows = ids.Count == 0 ? [] : await db.Memberships.AsNoTracking().Where(m => EF.Parameter(ids).Contains(m.Id)).OrderByDescending(m => m.Id)
            .Select(m => new MemberRow(m.Subscriber.Email, m.Subscriber.Name, m.Status, m.SubscribedUtc, m.ConfirmedUtc)).ToListAsync(ct);
        return new Page(rows, total, number, pages);
    }

    private static (int Total, int Number, int Pages) Paging(int total, int page)
    {
        int pages = Math.Max(1, (total + PageSize - 1) / PageSize);
        return (total, Math.Clamp(page, 1, pages), pages);
    }
}
