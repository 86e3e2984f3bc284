using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Admin;
using Publisher.Data;

namespace Publisher.Subscribers;

/// <summary>Admin API for lists: <c>/api/lists</c>.</summary>
public static class ListsApi
{
    public sealed record ListInput(string? Name, string? Description, string? Schedule, string? TimeZone, List<string>? Categories, string? OptIn,
        string? Title = null, bool? Archive = null);
    public sealed record MemberCounts(int Unconfirmed, int Confirmed, int Unsubscribed, int Bounced);
    public sealed record ListView(string Name, string Description, string Title, string Schedule, string TimeZone, IReadOnlyList<string> Categories, string OptIn,
        DateTime CreatedAt, MemberCounts Counts, bool Archive);

    public static IEndpointRouteBuilder MapListsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/lists").WithTags("Lists").RequireAuthorization(AdminKeyAuthentication.Policy);
        api.MapGet("/", All);
        api.MapPost("/", Create);
        api.MapGet("/{name}", One);
        api.MapPut("/{name}", Update);
        api.MapDelete("/{name}", Delete);
        return app;
    }

    public static async Task<Ok<List<ListView>>> All(PublisherDbContext db, CancellationToken ct)
    {
        var lists = await db.Lists.AsNoTracking().OrderBy(l => l.Name).ToListAsync(ct);
        var counts = await CountsAsync(db, null, ct);
        return TypedResults.Ok(lists.Select(l => View(l, counts.GetValueOrDefault(l.Id))).ToList());
    }

    public static async Task<Results<Ok<ListView>, ProblemHttpResult>> One(string name, PublisherDbContext db, CancellationToken ct)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return NoSuchList(name);
        return TypedResults.Ok(View(list, (await CountsAsync(db, list.Id, ct)).GetValueOrDefault(list.Id)));
    }

    public static async Task<Results<Created<ListView>, ValidationProblem, ProblemHttpResult>> Create(ListInput input, PublisherDbContext db,
        IOptions<PublisherOptions> options, TimeProvider clock, IServiceProvider services, CancellationToken ct)
    {
        var list = new MailingList { Name = input.Name?.Trim() ?? "", TimeZone = DefaultZone(options) };
        var errors = Apply(list, input, creating: true);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The list is not valid");
        if (await db.Lists.AnyAsync(l => l.Name == list.Name, ct))
            return TypedResults.Problem(statusCode: 409, title: "List exists", detail: $"A list named '{list.Name}' exists already.");
        list.CreatedUtc = list.UpdatedUtc = clock.GetUtcNow().UtcDateTime;
        db.Lists.Add(list);
        await db.SaveChangesAsync(ct);
        await SyncSchedulesAsync(services, ct);
        return TypedResults.Created($"/api/lists/{Uri.EscapeDataString(list.Name)}", View(list, default));
    }

    /// <summary>Changes any field; a new <c>name</c> renames the list (its members stay).</summary>
    public static async Task<Results<Ok<ListView>, ValidationProblem, ProblemHttpResult>> Update(string name, ListInput input, PublisherDbContext db,
        TimeProvider clock, IServiceProvider services, CancellationToken ct)
    {
        var list = await db.Lists.SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return NoSuchList(name);
        var errors = Apply(list, input, creating: false);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The list is not valid");
        if (list.Name != name && await db.Lists.AnyAsync(l => l.Name == list.Name, ct))
            return TypedResults.Problem(statusCode: 409, title: "List exists", detail: $"A list named '{list.Name}' exists already.");
        list.UpdatedUtc = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        await SyncSchedulesAsync(services, ct);
        return TypedResults.Ok(View(list, (await CountsAsync(db, list.Id, ct)).GetValueOrDefault(list.Id)));
    }

    /// <summary>
    /// Deletes the list and its memberships; subscribers stay (they may be on other lists). Refused (409) while anyone has
    /// unsubscribed from the list or bounced: those records are what keeps them from being added again.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(string name, PublisherDbContext db, IServiceProvider services, CancellationToken ct)
    {
        var list = await db.Lists.SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return NoSuchList(name);
        int optOuts = await db.Memberships.CountAsync(m => m.ListId == list.Id && (m.Status == MembershipStatus.Unsubscribed || m.Status == MembershipStatus.Bounced), ct);
        if (optOuts > 0)
            return TypedResults.Problem(statusCode: 409, title: "The list keeps opt-outs",
                detail: $"{optOuts} people unsubscribed from '{name}' or bounced; deleting the list would forget that, and an import could add them again. The list stays.");
        await db.Memberships.Where(m => m.ListId == list.Id).ExecuteDeleteAsync(ct);
        db.Lists.Remove(list);
        await db.SaveChangesAsync(ct);
        await SyncSchedulesAsync(services, ct);
        return TypedResults.NoContent();
    }

    /// <summary>Applies the given fields; returns errors keyed by field. Null fields keep their value.</summary>
    public static Dictionary<string, string[]> Apply(MailingList list, ListInput input, bool creating)
    {
        var errors = new Dictionary<string, string[]>();
        if (creating || input.Name is not null)
        {
            string newName = input.Name?.Trim() ?? "";
            if (MailingLists.NameError(newName) is { } e) errors["name"] = [e]; else list.Name = newName;
        }
        if (input.Description is not null)
        {
            if (input.Description.Length > 1000) errors["description"] = ["the description is longer than 1000 characters"];
            else list.Description = input.Description.Trim();
        }
        if (input.Title is not null)
        {
            if (MailingLists.TitleError(input.Title.Trim()) is { } e) errors["title"] = [e]; else list.Title = input.Title.Trim();
        }
        if (input.Schedule is not null)
        {
            if (MailingLists.ScheduleError(input.Schedule) is { } e) errors["schedule"] = [e]; else list.Schedule = input.Schedule.Trim();
        }
        if (input.TimeZone is not null)
        {
            if (MailingLists.TimeZoneError(input.TimeZone) is { } e) errors["timeZone"] = [e]; else list.TimeZone = input.TimeZone.Trim();
        }
        if (input.Categories is not null) list.Categories = MailingLists.JoinCategories(input.Categories);
        if (input.OptIn is not null)
        {
            if (!MailingLists.TryParseOptIn(input.OptIn, out var optIn)) errors["optIn"] = [$"'{input.OptIn}' is not 'single' or 'double'"];
            else list.OptIn = optIn;
        }
        if (input.Archive is { } on) list.Archive = on;
        return errors;
    }

    public static string DefaultZone(IOptions<PublisherOptions> options) => ArticlesZone(options.Value.Site);

    private static string ArticlesZone(SiteOptions site) =>
        !string.IsNullOrWhiteSpace(site.TimeZone) ? site.TimeZone : site.IsChinese ? "Asia/Shanghai" : "UTC";

    public static async Task<Dictionary<int, MemberCounts>> CountsAsync(PublisherDbContext db, int? listId, CancellationToken ct)
    {
        var rows = await db.Memberships.Where(m => listId == null || m.ListId == listId)
            .GroupBy(m => new { m.ListId, m.Status }).Select(g => new { g.Key.ListId, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        return rows.GroupBy(r => r.ListId).ToDictionary(g => g.Key, g => new MemberCounts(
            g.Where(r => r.Status == MembershipStatus.Unconfirmed).Sum(r => r.Count),
            g.Where(r => r.Status == MembershipStatus.Confirmed).Sum(r => r.Count),
            g.Where(r => r.Status == MembershipStatus.Unsubscribed).Sum(r => r.Count),
            g.Where(r => r.Status == MembershipStatus.Bounced).Sum(r => r.Count)));
    }

    public static ListView View(MailingList l, MemberCounts? counts) => new(l.Name, l.Description, l.Title, l.Schedule, l.TimeZone, l.CategoryList,
        l.OptIn.ToString().ToLowerInvariant(), DateTime.SpecifyKind(l.CreatedUtc, DateTimeKind.Utc), counts ?? new MemberCounts(0, 0, 0, 0), l.Archive);

    /// <summary>
    /// The digest schedule follows the list at once when the service runs (verbs leave it to the service's minute sync).
    /// The list's row is committed by now: a schedule store that cannot take the change yet (full disk, lock) must not
    /// turn that into an error, or clients would retry a change that was made. The minute's sync catches up.
    /// </summary>
    public static async Task SyncSchedulesAsync(IServiceProvider services, CancellationToken ct)
    {
        if (services.GetService<Digests.DigestSchedules>() is not { } schedules) return;
        try { await schedules.SyncAsync(ct); }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ListsApi))
                .LogWarning(ex, "The list change is saved, but its digest schedule could not be updated yet; the minute's sync will retry");
        }
    }

    public static ProblemHttpResult NoSuchList(string name) =>
        TypedResults.Problem(statusCode: 404, title: "No such list", detail: $"There is no list named '{name}'.");
}
