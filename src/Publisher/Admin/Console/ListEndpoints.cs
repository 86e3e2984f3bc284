using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Data;
using Publisher.Subscribers;

namespace Publisher.Admin.Console;

/// <summary>The lists: the overview at /admin, and making, changing and deleting one.</summary>
public static class ListEndpoints
{
    /// <summary>What the list form holds, as typed.</summary>
    public sealed record ListForm(string Name, string Title, string Description, string Schedule, string TimeZone, IReadOnlyList<string> Categories, string OptIn)
    {
        public static ListForm Of(MailingList l) => new(l.Name, l.Title, l.Description, l.Schedule, l.TimeZone, l.CategoryList, l.OptIn.ToString().ToLowerInvariant());

        public static ListForm Of(IFormCollection form) => new(form["name"].ToString(), form["title"].ToString(), form["description"].ToString(),
            form["schedule"].ToString(), form["timeZone"].ToString(),
            form["categories"].Select(c => c ?? "").Concat(form["moreCategories"].ToString().Split('\n')).Select(c => c.Trim()).Where(c => c.Length > 0).Distinct().ToList(),
            form["optIn"].ToString());

        public ListsApi.ListInput Input() => new(Name, Description, Schedule, TimeZone, Categories.ToList(), OptIn, Title);
    }

    public sealed record ListRow(MailingList List, ListsApi.MemberCounts Counts, DateTime? NextSend);

    public static RouteGroupBuilder MapListEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/lists/new", NewForm);
        admin.MapPost("/lists/new", Create);
        admin.MapGet("/lists/{name}/edit", EditForm);
        admin.MapPost("/lists/{name}/edit", Update);
        admin.MapGet("/lists/{name}/delete", DeleteForm);
        admin.MapPost("/lists/{name}/delete", Delete);
        return admin;
    }

    public static async Task<RazorComponentResult<ListsPage>> Overview(string? done, PublisherDbContext db, IOptions<PublisherOptions> options, TimeProvider clock,
        CancellationToken ct)
    {
        var ui = options.Ui(done == "deleted" ? options.Ui().T("The list was deleted.", "列表已删除。") : null);
        var lists = await db.Lists.AsNoTracking().OrderBy(l => l.Name).ToListAsync(ct);
        var counts = await ListsApi.CountsAsync(db, null, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = lists.Select(l => new ListRow(l, counts.GetValueOrDefault(l.Id) ?? new(0, 0, 0, 0),
            SchedulePreview.Next(l.Schedule, l.TimeZone, now, 1) is [var next] ? next : null)).ToList();
        return new(new { Ui = ui, Lists = rows });
    }

    public static async Task<RazorComponentResult<ListFormPage>> NewForm(PublisherDbContext db, IOptions<PublisherOptions> options, TimeProvider clock,
        CancellationToken ct)
    {
        var form = new ListForm("", "", "", MailingList.DefaultSchedule, ListsApi.DefaultZone(options), [], "double");
        return await FormPage(options.Ui(), null, form, [], db, clock, ct);
    }

    public static async Task<IResult> Create(IFormCollection formData, PublisherDbContext db, IOptions<PublisherOptions> options, TimeProvider clock,
        IServiceProvider services, CancellationToken ct)
    {
        var ui = options.Ui();
        var form = ListForm.Of(formData);
        var list = new MailingList { Name = "", TimeZone = ListsApi.DefaultZone(options) };
        var errors = Errors(ui, form, ListsApi.Apply(list, form.Input(), creating: true));
        if (errors.Count == 0 && await db.Lists.AnyAsync(l => l.Name == list.Name, ct))
            errors["name"] = ui.T($"A list named '{list.Name}' exists already.", $"已有名为「{list.Name}」的列表。");
        if (errors.Count > 0 || formData["action"] == "preview")
            return await FormPage(ui, null, form, errors, db, clock, ct, errors.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
        list.CreatedUtc = list.UpdatedUtc = clock.GetUtcNow().UtcDateTime;
        db.Lists.Add(list);
        await db.SaveChangesAsync(ct);
        await ListsApi.SyncSchedulesAsync(services, ct);
        return Results.Redirect(ConsoleRoutes.List(list.Name) + "?done=created");
    }

    public static async Task<IResult> EditForm(string name, PublisherDbContext db, IOptions<PublisherOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return NotFound(options.Ui(), name);
        return await FormPage(options.Ui(), name, ListForm.Of(list), [], db, clock, ct);
    }

    public static async Task<IResult> Update(string name, IFormCollection formData, PublisherDbContext db, IOptions<PublisherOptions> options, TimeProvider clock,
        IServiceProvider services, CancellationToken ct)
    {
        var ui = options.Ui();
        var list = await db.Lists.SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return NotFound(ui, name);
        var form = ListForm.Of(formData);
        var errors = Errors(ui, form, ListsApi.Apply(list, form.Input(), creating: true));
        if (errors.Count == 0 && list.Name != name && await db.Lists.AnyAsync(l => l.Name == list.Name, ct))
            errors["name"] = ui.T($"A list named '{list.Name}' exists already.", $"已有名为「{list.Name}」的列表。");
        if (errors.Count > 0 || formData["action"] == "preview")
            return await FormPage(ui, name, form, errors, db, clock, ct, errors.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
        list.UpdatedUtc = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        await ListsApi.SyncSchedulesAsync(services, ct);
        return Results.Redirect(ConsoleRoutes.List(list.Name) + "?done=saved");
    }

    public static async Task<IResult> DeleteForm(string name, PublisherDbContext db, IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return NotFound(options.Ui(), name);
        var counts = (await ListsApi.CountsAsync(db, list.Id, ct)).GetValueOrDefault(list.Id) ?? new(0, 0, 0, 0);
        return new RazorComponentResult<DeleteListPage>(new { Ui = options.Ui(), List = list, Counts = counts, Error = (string?)null });
    }

    /// <summary>The second step of deleting: the API's rule holds (a list that keeps opt-outs stays).</summary>
    public static async Task<IResult> Delete(string name, PublisherDbContext db, IOptions<PublisherOptions> options, IServiceProvider services, CancellationToken ct)
    {
        var ui = options.Ui();
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return NotFound(ui, name);
        var counts = (await ListsApi.CountsAsync(db, list.Id, ct)).GetValueOrDefault(list.Id) ?? new(0, 0, 0, 0);
        int optOuts = counts.Unsubscribed + counts.Bounced;
        if (optOuts > 0)
            return new RazorComponentResult<DeleteListPage>(new
            {
                Ui = ui, List = list, Counts = counts,
                Error = ui.T($"{optOuts} people unsubscribed from this list or bounced. Deleting it would forget that, and an import could add them again, so the list stays.",
                    $"有 {optOuts} 人已退订或退信。删除列表会丢失这些记录,之后的导入可能把他们重新加进来,所以列表保留。"),
            }) { StatusCode = StatusCodes.Status409Conflict };
        await ListsApi.Delete(name, db, services, ct);
        return Results.Redirect(ConsoleRoutes.Home + "?done=deleted");
    }

    private static async Task<RazorComponentResult<ListFormPage>> FormPage(ConsoleUi ui, string? existing, ListForm form, Dictionary<string, string> errors,
        PublisherDbContext db, TimeProvider clock, CancellationToken ct, int status = StatusCodes.Status200OK)
    {
        var known = await db.Articles.AsNoTracking().Where(a => a.Category != null && a.Category != "").Select(a => a.Category!).Distinct().ToListAsync(ct);
        var categories = known.Concat(form.Categories).Distinct().Order(StringComparer.Ordinal).ToList();
        var times = errors.ContainsKey("schedule") || errors.ContainsKey("timeZone") ? [] : SchedulePreview.Next(form.Schedule, form.TimeZone, clock.GetUtcNow().UtcDateTime);
        return new(new { Ui = ui, Existing = existing, Form = form, Errors = errors, KnownCategories = categories, NextTimes = times }) { StatusCode = status };
    }

    /// <summary>One message per field, in the console's language.</summary>
    private static Dictionary<string, string> Errors(ConsoleUi ui, ListForm form, Dictionary<string, string[]> errors) =>
        errors.ToDictionary(e => e.Key, e => !ui.Chinese ? Capitalized(e.Value[0]) : e.Key switch
        {
            "name" => string.IsNullOrWhiteSpace(form.Name) ? "请填写列表名称。" : $"「{form.Name}」不能用作列表名称:只能用字母、数字、'.'、'_' 和 '-',以字母或数字开头,最多 {MailingLists.MaxNameLength} 个字符。",
            "title" => $"标题最多 {MailingLists.MaxTitleLength} 个字符,且不能有换行。",
            "description" => "说明最多 1000 个字符。",
            "schedule" => string.IsNullOrWhiteSpace(form.Schedule) ? "请填写发送时间(cron 表达式)。" : $"「{form.Schedule}」不是五段式 cron 表达式(分 时 日 月 周)。",
            "timeZone" => string.IsNullOrWhiteSpace(form.TimeZone) ? "请选择时区。" : $"「{form.TimeZone}」不是已知的 IANA 时区。",
            "optIn" => "请选择单次确认或双重确认。",
            _ => e.Value[0],
        });

    private static string Capitalized(string message) => message.Length == 0 ? message : char.ToUpperInvariant(message[0]) + message[1..] + ".";

    public static IResult NotFound(ConsoleUi ui, string name) =>
        new RazorComponentResult<ConsoleMessagePage>(new
        {
            Ui = ui, Heading = ui.T("No such list", "没有这个列表"),
            Message = ui.T($"There is no list named '{name}'.", $"没有名为「{name}」的列表。"),
        }) { StatusCode = StatusCodes.Status404NotFound };
}
