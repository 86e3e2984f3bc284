using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Data;
using Publisher.Feeds;
using Publisher.Pages;

namespace Publisher.Subscribers;

/// <summary>What the preference centre shows: one subscriber and their lists.</summary>
public sealed record ManageView(string Token, string Email, string? Name, IReadOnlyList<ManagedList> Lists, string? Notice = null, string? Error = null);

/// <param name="Offered">The categories the member may choose from: the list's, or the site's for a list of every category.</param>
/// <param name="PausedUntil">The day the member's pause ends, in the list's zone; null when not paused.</param>
public sealed record ManagedList(string Name, string Title, MembershipStatus Status, IReadOnlyList<string> Offered, IReadOnlySet<string> Chosen,
    string? PausedUntil)
{
    public bool Active => Status is MembershipStatus.Confirmed or MembershipStatus.Unconfirmed;
}

/// <summary>
/// The preference centre: <c>GET /manage/{token}</c> shows the subscriber's lists, each change is a POST under it and answers
/// 303 back to the page. The token (<see cref="TokenPurpose.Manage"/>) names the subscriber; a tampered or expired one gets 404.
/// No antiforgery cookie: the token in the path is the secret a forged cross-site form cannot know, as for confirm and
/// unsubscribe links. Pages hold personal data, so nothing here may be cached.
/// </summary>
public static class PreferenceCentre
{
    public static IEndpointRouteBuilder MapPreferenceCentre(this IEndpointRouteBuilder app)
    {
        var manage = app.MapGroup("/manage/{token}").ExcludeFromDescription().DisableAntiforgery()
            .AddEndpointFilter(async (context, next) =>
            {
                context.HttpContext.Response.Headers.CacheControl = "no-store";
                return await next(context);
            });
        manage.MapMethods("", [HttpMethods.Get, HttpMethods.Head], Page);
        manage.MapPost("/lists/{list}/categories", (string token, string list, HttpContext http, Edit edit) =>
            edit.OnListAsync(token, list, http, ChooseCategories));
        manage.MapPost("/lists/{list}/pause", (string token, string list, HttpContext http, Edit edit) => edit.OnListAsync(token, list, http, Pause));
        manage.MapPost("/lists/{list}/resume", (string token, string list, HttpContext http, Edit edit) => edit.OnListAsync(token, list, http, Resume));
        manage.MapPost("/lists/{list}/unsubscribe", (string token, string list, HttpContext http, Edit edit) => edit.OnListAsync(token, list, http, Leave));
        manage.MapPost("/lists/{list}/resubscribe", (string token, string list, HttpContext http, Edit edit) => edit.OnListAsync(token, list, http, Rejoin));
        manage.MapPost("/unsubscribe-all", (string token, HttpContext http, Edit edit) => edit.OnSubscriberAsync(token, http, LeaveAll));
        manage.MapPost("/name", (string token, HttpContext http, Edit edit) => edit.OnSubscriberAsync(token, http, Rename));
        manage.MapPost("/export", SubscriberData.ExportAsync);
        manage.MapPost("/erase", SubscriberData.EraseAsync);
        return app;
    }

    public static async Task<IResult> Page(string token, string? done, HttpContext http, PublisherDbContext db, SubscriberTokens tokens, TimeProvider clock,
        IOptions<PublisherOptions> options, CancellationToken ct)
    {
        if (await FindAsync(token, db, tokens, ct) is not { } subscriber) return Invalid(http, options);
        var t = PreferenceTexts.For(options.Value.Site);
        string notice = t.Done(done);
        return await PageAsync(http, db, clock, options, token, subscriber, 200, notice.Length > 0 ? notice : null, null, ct);
    }

    /// <summary>The subscriber a manage token names, with their memberships and lists (tracked, for a change).</summary>
    public static async Task<Subscriber?> FindAsync(string token, PublisherDbContext db, SubscriberTokens tokens, CancellationToken ct) =>
        tokens.TryRead(token, TokenPurpose.Manage, out int id)
            ? await db.Subscribers.Include(s => s.Memberships).ThenInclude(m => m.List).SingleOrDefaultAsync(s => s.Id == id, ct)
            : null;

    public static IResult Invalid(HttpContext http, IOptions<PublisherOptions> options)
    {
        var t = SubscriptionEndpoints.Texts(options);
        return SubscriptionEndpoints.Message(http, options, 404, t.LinkInvalid, t.LinkInvalidDetail);
    }

    private static async Task<IResult> PageAsync(HttpContext http, PublisherDbContext db, TimeProvider clock, IOptions<PublisherOptions> options,
        string token, Subscriber subscriber, int status, string? notice, string? error, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var siteCategories = subscriber.Memberships.Any(m => m.List.CategoryList.Count == 0) ? await SiteCategoriesAsync(db, ct) : [];
        var lists = subscriber.Memberships.OrderBy(m => m.List.Name, StringComparer.Ordinal).Select(m => new ManagedList(
            m.List.Name, MailingLists.DisplayName(m.List), m.Status, Offered(m.List, siteCategories), m.CategoryList.ToHashSet(StringComparer.Ordinal),
            m.PausedUntilUtc > now
                ? TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(m.PausedUntilUtc.Value, DateTimeKind.Utc), MailingLists.Zone(m.List))
                    .ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                : null)).ToList();
        return new RazorComponentResult<ManagePage>(new
        {
            Site = options.Value.Site,
            Links = new SiteLinks(http.RequestServices.GetRequiredService<SiteAddresses>().For(http.Request)),
            T = PreferenceTexts.For(options.Value.Site),
            View = new ManageView(token, subscriber.Email, subscriber.Name, lists, notice, error),
        }) { StatusCode = status };
    }

    private static Task<List<string>> SiteCategoriesAsync(PublisherDbContext db, CancellationToken ct) =>
        db.Articles.AsNoTracking().Where(a => a.Category != null && a.Category != "").Select(a => a.Category!).Distinct().OrderBy(c => c).ToListAsync(ct);

    private static IReadOnlyList<string> Offered(MailingList list, IReadOnlyList<string> siteCategories) =>
        list.CategoryList.Count > 0 ? list.CategoryList : siteCategories;

    /// <summary>What a change needs: its form, the subscriber, the time, and a way to say no.</summary>
    public sealed record Change(IFormCollection Form, Subscriber Subscriber, DateTime Now, PreferenceTexts Texts, PublisherDbContext Db, Subscriptions Subscriptions,
        CancellationToken Ct);

    /// <summary>A change's answer: the notice to show after it, or the error that refused it (and changed nothing).</summary>
    public readonly record struct Outcome(string? Done, string? Error)
    {
        public static Outcome Ok(string done) => new(done, null);
        public static Outcome No(string error) => new(null, error);
    }

    /// <summary>Runs one POST: reads the token and the form, applies the change, saves, and answers 303 to the page (or the page with the error).</summary>
    public sealed class Edit(PublisherDbContext db, SubscriberTokens tokens, Subscriptions subscriptions, TimeProvider clock, IOptions<PublisherOptions> options)
    {
        public Task<IResult> OnListAsync(string token, string list, HttpContext http, Func<Change, Membership, Task<Outcome>> change) =>
            RunAsync(token, http, async c => c.Subscriber.Memberships.SingleOrDefault(m => m.List.Name == list) is { } membership
                ? await change(c, membership) : (Outcome?)null);

        public Task<IResult> OnSubscriberAsync(string token, HttpContext http, Func<Change, Task<Outcome>> change) =>
            RunAsync(token, http, async c => await change(c));

        private async Task<IResult> RunAsync(string token, HttpContext http, Func<Change, Task<Outcome?>> change)
        {
            var ct = http.RequestAborted;
            if (await FindAsync(token, db, tokens, ct) is not { } subscriber) return Invalid(http, options);
            IFormCollection form;
            try { form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(ct) : FormCollection.Empty; }
            catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException) { form = FormCollection.Empty; }
            var now = clock.GetUtcNow().UtcDateTime;
            var outcome = await change(new Change(form, subscriber, now, PreferenceTexts.For(options.Value.Site), db, subscriptions, ct));
            if (outcome is null) return Invalid(http, options); // no such list among theirs
            if (outcome.Value.Error is { } error)
            {
                db.ChangeTracker.Clear();
                var fresh = (await FindAsync(token, db, tokens, ct))!;
                return await PageAsync(http, db, clock, options, token, fresh, 400, null, error, ct);
            }
            await db.SaveChangesAsync(ct);
            http.Response.Headers.Location = $"/manage/{token}?done={outcome.Value.Done}";
            return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
        }
    }

    private static async Task<Outcome> ChooseCategories(Change c, Membership m)
    {
        if (!Usable(m)) return Outcome.No(c.Texts.NotNow);
        var offered = Offered(m.List, m.List.CategoryList.Count > 0 ? [] : await SiteCategoriesAsync(c.Db, c.Ct));
        var chosen = c.Form["category"].Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).Distinct(StringComparer.Ordinal).ToList();
        if (chosen.FirstOrDefault(v => !offered.Contains(v, StringComparer.Ordinal)) is { } unknown) return Outcome.No(c.Texts.UnknownCategory(unknown));
        Subscriptions.ChooseCategories(m, offered.Where(chosen.Contains), c.Now);
        return Outcome.Ok("categories");
    }

    private static Task<Outcome> Pause(Change c, Membership m)
    {
        if (!Usable(m)) return Task.FromResult(Outcome.No(c.Texts.NotNow));
        var zone = MailingLists.Zone(m.List);
        DateTime? until = c.Form["for"].ToString() switch
        {
            "week" => c.Now.AddDays(7),
            "month" => c.Now.AddMonths(1),
            "quarter" => c.Now.AddMonths(3),
            "date" when DateOnly.TryParseExact(c.Form["until"].ToString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) =>
                TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), zone),
            _ => null,
        };
        if (until is not { } end || end <= c.Now || end > c.Now.AddDays(366)) return Task.FromResult(Outcome.No(c.Texts.BadPause));
        Subscriptions.Pause(m, end, c.Now);
        return Task.FromResult(Outcome.Ok("paused"));
    }

    private static Task<Outcome> Resume(Change c, Membership m)
    {
        Subscriptions.Pause(m, null, c.Now);
        return Task.FromResult(Outcome.Ok("resumed"));
    }

    private static Task<Outcome> Leave(Change c, Membership m)
    {
        Subscriptions.Leave(m, c.Now);
        return Task.FromResult(Outcome.Ok("unsubscribed"));
    }

    private static Task<Outcome> LeaveAll(Change c)
    {
        foreach (var m in c.Subscriber.Memberships) Subscriptions.Leave(m, c.Now);
        return Task.FromResult(Outcome.Ok("unsubscribed-all"));
    }

    /// <summary>Double opt-in again, as a visitor's own request would: Unconfirmed, and a confirmation mail.</summary>
    private static async Task<Outcome> Rejoin(Change c, Membership m)
    {
        if (m.Status != MembershipStatus.Unsubscribed) return Outcome.No(c.Texts.NotNow);
        var (_, result, _) = await c.Subscriptions.SubscribeAsync(m.List, c.Subscriber.Email, null, SubscribeMode.Public, c.Ct);
        return result == SubscribeResult.ConfirmationRequested ? Outcome.Ok("resubscribed") : Outcome.No(c.Texts.NotNow);
    }

    private static Task<Outcome> Rename(Change c)
    {
        if (!SubscriberName.TryNormalize(c.Form["name"].ToString(), out var name, out var error)) return Task.FromResult(Outcome.No(c.Texts.BadName(error!)));
        if (name != c.Subscriber.Name)
        {
            c.Subscriber.Name = name;
            c.Subscriber.UpdatedUtc = c.Now;
        }
        return Task.FromResult(Outcome.Ok("name"));
    }

    private static bool Usable(Membership m) => m.Status is MembershipStatus.Confirmed or MembershipStatus.Unconfirmed;
}
