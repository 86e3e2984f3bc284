using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Data;
using Publisher.Digests;

namespace Publisher.Admin.Console;

/// <summary>A list's digests: history with counts per state, charts, the next digest's preview, send now, and the Unknown deliveries.</summary>
public static class DigestEndpoints
{
    public static RouteGroupBuilder MapDigestEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/lists/{name}/digests", Page);
        admin.MapPost("/lists/{name}/digests/send", SendNow);
        admin.MapPost("/lists/{name}/deliveries/{deliveryId:long}/resend", Resend);
        return admin;
    }

    public static async Task<IResult> Page(string name, string? done, int? digest, PublisherDbContext db, DigestPlanner planner, DigestComposer composer,
        IConfiguration configuration, IOptions<PublisherOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var ui = options.Ui();
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListEndpoints.NotFound(ui, name);
        var now = clock.GetUtcNow().UtcDateTime;
        string? note = done switch
        {
            "queued" => ui.T($"Digest #{digest} is queued: its deliveries go out now, the counts below move as they do (reload the page).",
                $"第 {digest} 期摘要已排队发送,下方计数会随发送变化(请刷新页面)。"),
            "nothing" => ui.T("Nothing to send: no article is new since the last digest, or the list has no confirmed members.", "没有可发送的内容:上次摘要后没有新文章,或列表没有已确认成员。"),
            "resent" => ui.T("The delivery is reopened and queued to be sent again (same Message-ID).", "该投递已重新排队发送(Message-ID 不变)。"),
            "notresendable" => ui.T("That delivery is no longer unknown or failed; nothing was changed.", "该投递已不是未知或失败状态,未做更改。"),
            _ => null,
        };
        string? preview = await DigestsApi.PreviewHtmlAsync(list, planner, composer, PublicUrls.Base(configuration), clock, ct);
        return new RazorComponentResult<DigestsPage>(new
        {
            Ui = ui with { Note = note },
            List = list,
            Rows = await DigestHistory.RowsAsync(db, list.Id, now, ct),
            Confirmed = await DigestHistory.ConfirmedAsync(db, list.Id, now, ct),
            Unknown = await DigestHistory.UnknownAsync(db, list.Id, ct),
            Preview = preview,
        });
    }

    /// <summary>The API's "send now": make the next digest if anything is new and queue the batches of every digest of the list with rows waiting.</summary>
    public static async Task<IResult> SendNow(string name, PublisherDbContext db, DigestRuns runs, DigestJobs jobs, IOptions<PublisherOptions> options)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name);
        if (list is null) return ListEndpoints.NotFound(options.Ui(), name);
        // Not tied to the request: a browser that goes away must not leave a digest half made.
        var (digests, _) = await runs.PlanAsync(list, CancellationToken.None);
        if (digests.Count == 0) return Results.Redirect(ConsoleRoutes.Digests(name) + "?done=nothing");
        foreach (int id in digests) await jobs.QueueBatchesAsync(id);
        return Results.Redirect(ConsoleRoutes.Digests(name) + $"?done=queued&digest={digests[^1]}");
    }

    /// <summary>The admin's word for one Unknown (or Failed) delivery: send it again, as the API's resend does.</summary>
    public static async Task<IResult> Resend(string name, long deliveryId, PublisherDbContext db, DigestRuns runs, IBackgroundJobClient jobs,
        IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListEndpoints.NotFound(options.Ui(), name);
        int? digestId = await db.Deliveries.Where(d => d.Id == deliveryId && d.Digest.ListId == list.Id).Select(d => (int?)d.DigestId).SingleOrDefaultAsync(ct);
        if (digestId is not { } id || await runs.ReopenAsync(id, deliveryId, ct) == 0) return Results.Redirect(ConsoleRoutes.Digests(name) + "?done=notresendable");
        jobs.Enqueue<DigestJobs>(j => j.ResendAsync(id, deliveryId, CancellationToken.None));
        return Results.Redirect(ConsoleRoutes.Digests(name) + "?done=resent");
    }
}
