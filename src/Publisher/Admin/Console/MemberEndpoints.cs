using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Data;
using Publisher.Subscribers;
using Publisher.Text;

namespace Publisher.Admin.Console;

/// <summary>A list's page: its members (search, filter, pages), adding, removing, resending the confirmation, CSV import and export.</summary>
public static class MemberEndpoints
{
    /// <summary>What the add form and the import form hold, as typed, and what was wrong with them.</summary>
    public sealed record Forms(string Email = "", string Name = "", bool Confirmed = false, bool ImportConfirmed = false)
    {
        public Dictionary<string, string> Errors { get; init; } = [];
    }

    public static RouteGroupBuilder MapMemberEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/lists/{name}", ListPage);
        admin.MapPost("/lists/{name}/members", Add);
        admin.MapPost("/lists/{name}/members/remove", Remove);
        admin.MapPost("/lists/{name}/members/resend", Resend);
        admin.MapPost("/lists/{name}/import", Import)
            .WithMetadata(new RequestSizeLimitAttribute(SubscribersApi.MaxImportBytes + 1024 * 1024));
        admin.MapGet("/lists/{name}/imports/{id}", ImportRun);
        admin.MapGet("/lists/{name}/export.csv", Export);
        return admin;
    }

    public static async Task<IResult> ListPage(string name, string? q, string? status, int? page, string? done, string? email, PublisherDbContext db,
        IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var ui = options.Ui();
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListEndpoints.NotFound(ui, name);
        var forms = new Forms();
        if (!MemberPages.TryParseStatus(status, out var s))
            forms = forms with { Errors = new() { ["status"] = ui.T($"'{status}' is not a status.", $"「{status}」不是有效的状态。") } };
        return await PageAsync(ui with { Note = Note(ui, done, email) }, list, new MemberPages.Query(q, s, page ?? 1), forms, db, ct);
    }

    public static async Task<IResult> Add(string name, IFormCollection form, PublisherDbContext db, Subscriptions subscriptions, IOptions<PublisherOptions> options,
        CancellationToken ct)
    {
        var ui = options.Ui();
        var list = await db.Lists.SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListEndpoints.NotFound(ui, name);
        var forms = new Forms(form["email"].ToString(), form["name"].ToString(), form["confirmed"] == "true");
        if (!EmailAddress.TryNormalize(forms.Email, out var email, out var emailError))
            forms.Errors["email"] = ui.T(Sentence(emailError!), $"「{forms.Email}」不是有效的邮箱地址。");
        if (!SubscriberName.TryNormalize(string.IsNullOrWhiteSpace(forms.Name) ? null : forms.Name, out var subscriberName, out var nameError))
            forms.Errors["addName"] = ui.T(Sentence(nameError!), "称呼不能含换行或控制字符,且最多 200 个字符。");
        if (forms.Errors.Count == 0)
        {
            var (m, result, _) = await subscriptions.SubscribeAsync(list, email, subscriberName, forms.Confirmed ? SubscribeMode.AdminConfirmed : SubscribeMode.Admin, ct);
            if (result != SubscribeResult.Refused)
                return Results.Redirect(ConsoleRoutes.List(name) + "?done=" + (result == SubscribeResult.Unchanged ? "unchanged" : "added") + "&email=" + Uri.EscapeDataString(email));
            forms.Errors["email"] = ui.T($"{email} is {m.Status.ToString().ToLowerInvariant()} on this list; only the person can subscribe again.",
                $"{email} 在本列表的状态是「{StatusName(ui, m.Status)}」,只有本人才能重新订阅。");
        }
        return await PageAsync(ui, list, new MemberPages.Query(null, null, 1), forms, db, ct, StatusCodes.Status400BadRequest);
    }

    public static async Task<IResult> Remove(string name, [FromForm] string? email, PublisherDbContext db, TimeProvider clock, IOptions<PublisherOptions> options,
        CancellationToken ct)
    {
        var result = await SubscribersApi.Remove(name, email ?? "", db, clock, ct);
        if (result.Result is ProblemHttpResult problem && problem.StatusCode == 404 && problem.ProblemDetails.Title == "No such list")
            return ListEndpoints.NotFound(options.Ui(), name);
        return Results.Redirect(ConsoleRoutes.List(name) + (result.Result is NoContent ? "?done=removed&email=" : "?done=notmember&email=") + Uri.EscapeDataString(email ?? ""));
    }

    /// <summary>Asks for another confirmation mail for an unconfirmed member; at most one an hour goes out, as for the public form.</summary>
    public static async Task<IResult> Resend(string name, [FromForm] string? email, PublisherDbContext db, Subscriptions subscriptions,
        IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var list = await db.Lists.SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListEndpoints.NotFound(options.Ui(), name);
        if (!EmailAddress.TryNormalize(email, out var address, out _)) return Results.Redirect(ConsoleRoutes.List(name) + "?done=notmember");
        string key = EmailAddress.Key(address);
        var status = await db.Memberships.Where(m => m.ListId == list.Id && m.Subscriber.EmailKey == key).Select(m => (MembershipStatus?)m.Status).SingleOrDefaultAsync(ct);
        if (status != MembershipStatus.Unconfirmed) return Results.Redirect(ConsoleRoutes.List(name) + "?done=notunconfirmed&email=" + Uri.EscapeDataString(address));
        var (_, result, _) = await subscriptions.SubscribeAsync(list, address, null, SubscribeMode.Admin, ct);
        return Results.Redirect(ConsoleRoutes.List(name) + (result == SubscribeResult.ConfirmationRequested ? "?done=resent&email=" : "?done=recent&email=") + Uri.EscapeDataString(address));
    }

    /// <summary>
    /// Checks the upload at once (a file, not empty, text in an encoding the importer reads) and starts the import in the
    /// background; its page shows the rows read until the report is there.
    /// </summary>
    public static async Task<IResult> Import(string name, IFormCollection form, PublisherDbContext db, ImportRuns imports, TimeProvider clock,
        IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var ui = options.Ui();
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListEndpoints.NotFound(ui, name);
        var forms = new Forms(ImportConfirmed: form["confirmed"] == "true");
        var file = form.Files.GetFile("file");
        byte[] bytes = [];
        if (file is null || string.IsNullOrEmpty(file.FileName)) forms.Errors["file"] = ui.T("Choose a CSV file.", "请选择 CSV 文件。");
        else if (file.Length == 0) forms.Errors["file"] = ui.T($"{file.FileName} is empty (0 bytes): nothing was imported.", $"{file.FileName} 是空文件(0 字节),未导入任何内容。");
        else if (file.Length > SubscribersApi.MaxImportBytes)
            forms.Errors["file"] = ui.T($"{file.FileName} is larger than {SubscribersApi.MaxImportBytes / 1024 / 1024} MB.", $"{file.FileName} 超过 {SubscribersApi.MaxImportBytes / 1024 / 1024} MB。");
        else
        {
            using var buffer = new MemoryStream((int)file.Length);
            await file.CopyToAsync(buffer, ct);
            bytes = buffer.ToArray();
            if (!TextFileDecoder.TryDecode(bytes, out _, out var decodeError))
                forms.Errors["file"] = ui.T($"{file.FileName} cannot be read: {decodeError}. Save it as UTF-8 (or GB18030) CSV.",
                    $"无法读取 {file.FileName}:{decodeError}。请存为 UTF-8(或 GB18030)编码的 CSV。");
        }
        if (forms.Errors.Count > 0) return await PageAsync(ui, list, new MemberPages.Query(null, null, 1), forms, db, ct, StatusCodes.Status400BadRequest);
        var run = imports.Start(list, file!.FileName, bytes, forms.ImportConfirmed, clock.GetUtcNow().UtcDateTime);
        // A small file's report is there in a moment: show it at once rather than a page that says "still running".
        await run.WaitAsync(TimeSpan.FromSeconds(3), ct);
        return Results.Redirect(ConsoleRoutes.ImportRun(name, run.Id));
    }

    public static IResult ImportRun(string name, string id, ImportRuns imports, IOptions<PublisherOptions> options)
    {
        var ui = options.Ui();
        var run = imports.Find(id);
        if (run is null || run.List != name)
            return new RazorComponentResult<ConsoleMessagePage>(new
            {
                Ui = ui, Heading = ui.T("No such import", "没有这次导入"),
                Message = ui.T("This import is not known (reports are kept in memory until the service restarts).", "找不到这次导入(导入报告只保存在内存中,服务重启后清空)。"),
            }) { StatusCode = StatusCodes.Status404NotFound };
        return new RazorComponentResult<ImportPage>(new { Ui = ui, Run = run });
    }

    public static async Task<IResult> Export(string name, HttpContext http, PublisherDbContext db, CancellationToken ct) =>
        await SubscribersApi.Export(name, http, db, ct);

    private static async Task<IResult> PageAsync(ConsoleUi ui, MailingList list, MemberPages.Query query, Forms forms, PublisherDbContext db, CancellationToken ct,
        int status = StatusCodes.Status200OK)
    {
        var counts = (await ListsApi.CountsAsync(db, list.Id, ct)).GetValueOrDefault(list.Id) ?? new(0, 0, 0, 0);
        var page = await MemberPages.LoadAsync(db, list.Id, query, ct);
        return new RazorComponentResult<ListPage>(new { Ui = ui, List = list, Counts = counts, Query = query, Members = page, Forms = forms }) { StatusCode = status };
    }

    private static string? Note(ConsoleUi ui, string? done, string? email) => done switch
    {
        "created" => ui.T("The list was created.", "列表已创建。"),
        "saved" => ui.T("The list was saved.", "列表已保存。"),
        "added" => ui.T($"{email} was added.", $"已添加 {email}。"),
        "unchanged" => ui.T($"{email} was on the list already; nothing changed.", $"{email} 已在列表中,没有变化。"),
        "removed" => ui.T($"{email} is unsubscribed from this list (the record of the opt-out stays).", $"{email} 已退订本列表(退订记录保留)。"),
        "notmember" => ui.T($"{email} is not on this list.", $"{email} 不在本列表中。"),
        "notunconfirmed" => ui.T($"{email} is not waiting for a confirmation.", $"{email} 不是待确认状态。"),
        "resent" => ui.T($"A new confirmation mail to {email} is on its way.", $"已重新发送确认邮件给 {email}。"),
        "recent" => ui.T($"A confirmation went to {email} less than an hour ago; no other was sent.", $"一小时内已给 {email} 发过确认邮件,这次没有再发。"),
        _ => null,
    };

    public static string StatusName(ConsoleUi ui, MembershipStatus status) => status switch
    {
        MembershipStatus.Confirmed => ui.T("confirmed", "已确认"),
        MembershipStatus.Unconfirmed => ui.T("unconfirmed", "待确认"),
        MembershipStatus.Unsubscribed => ui.T("unsubscribed", "已退订"),
        _ => ui.T("bounced", "退信"),
    };

    private static string Sentence(string message) => message.Length == 0 ? message : char.ToUpperInvariant(message[0]) + message[1..] + ".";
}
