using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Publisher.Admin;
using Publisher.Data;

namespace Publisher.Subscribers;

/// <summary>Admin API for a list's members: <c>/api/lists/{name}/subscribers</c>.</summary>
public static class SubscribersApi
{
    public sealed record SubscriberView(string Email, string? Name, string Status, DateTime SubscribedAt, DateTime? ConfirmedAt);
    public sealed record SubscriberInput(string? Email, string? Name, bool Confirmed = false);
    public const long MaxImportBytes = 64 * 1024 * 1024;

    public static IEndpointRouteBuilder MapSubscribersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/lists/{name}/subscribers").WithTags("Subscribers").RequireAuthorization(AdminKeyAuthentication.Policy);
        api.MapGet("/", Page);
        api.MapPost("/", Add);
        api.MapDelete("/{email}", Remove); // marks the member Unsubscribed; the record of the opt-out stays
        api.MapPost("/import", Import).DisableAntiforgery() // any content type: curl --data-binary sends form-urlencoded
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxImportBytes));
        api.MapGet("/export", Export);
        return app;
    }

    public static async Task<Results<Ok<PageOf<SubscriberView>>, ProblemHttpResult>> Page(string name, PublisherDbContext db, int? page, int? pageSize,
        string? search, string? status, CancellationToken ct)
    {
        int p = page ?? 1, size = pageSize ?? 50;
        if (p < 1 || size is < 1 or > 1000) return TypedResults.Problem(statusCode: 400, title: "Bad paging", detail: "page must be at least 1 and pageSize between 1 and 1000.");
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListsApi.NoSuchList(name);
        var query = db.Memberships.AsNoTracking().Where(m => m.ListId == list.Id);
        if (!string.IsNullOrEmpty(status))
        {
            if (!status.All(char.IsAsciiLetter) || !Enum.TryParse<MembershipStatus>(status, ignoreCase: true, out var s))
                return TypedResults.Problem(statusCode: 400, title: "Bad status", detail: $"'{status}' is not unconfirmed, confirmed, unsubscribed or bounced.");
            query = query.Where(m => m.Status == s);
        }
        if (!string.IsNullOrWhiteSpace(search))
        {
            string pattern = "%" + search.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            query = query.Where(m => EF.Functions.Like(m.Subscriber.Email, pattern, "\\") || EF.Functions.Like(m.Subscriber.Name!, pattern, "\\"));
        }
        int total = await query.CountAsync(ct);
        long skip = (long)(p - 1) * size; // a page far past the end is empty, not page 1 again (int overflow)
        var items = skip >= total ? []
            : await query.OrderBy(m => m.Subscriber.Email).Skip((int)skip).Take(size)
                .Select(m => new { m.Subscriber.Email, m.Subscriber.Name, m.Status, m.SubscribedUtc, m.ConfirmedUtc }).ToListAsync(ct);
        return TypedResults.Ok(new PageOf<SubscriberView>(items.Select(m => new SubscriberView(m.Email, m.Name, m.Status.ToString().ToLowerInvariant(),
            Utc(m.SubscribedUtc), m.ConfirmedUtc is { } c ? Utc(c) : null)).ToList(), total, p, size));
    }

    public static async Task<Results<Created<SubscriberView>, Ok<SubscriberView>, ValidationProblem, ProblemHttpResult>> Add(string name, SubscriberInput input,
        PublisherDbContext db, Subscriptions subscriptions, CancellationToken ct)
    {
        var list = await db.Lists.SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListsApi.NoSuchList(name);
        var errors = new Dictionary<string, string[]>();
        if (!EmailAddress.TryNormalize(input.Email, out var email, out var emailError)) errors["email"] = [emailError!];
        if (!SubscriberName.TryNormalize(input.Name, out var subscriberName, out var nameError)) errors["name"] = [nameError!];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The subscriber is not valid");

        var (m, result, created) = await subscriptions.SubscribeAsync(list, email, subscriberName,
            input.Confirmed ? SubscribeMode.AdminConfirmed : SubscribeMode.Admin, ct);
        if (result == SubscribeResult.Refused)
            return TypedResults.Problem(statusCode: 409, title: "Not re-subscribed",
                detail: $"{email} is {m.Status.ToString().ToLowerInvariant()} on '{name}'; only the person can subscribe again.");
        var view = new SubscriberView(m.Subscriber.Email, m.Subscriber.Name, m.Status.ToString().ToLowerInvariant(), Utc(m.SubscribedUtc),
            m.ConfirmedUtc is { } c ? Utc(c) : null);
        return created ? TypedResults.Created($"/api/lists/{Uri.EscapeDataString(name)}/subscribers/{Uri.EscapeDataString(email)}", view) : TypedResults.Ok(view);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Remove(string name, string email, PublisherDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListsApi.NoSuchList(name);
        string key = EmailAddress.Key(email.Trim());
        var membership = await db.Memberships.SingleOrDefaultAsync(m => m.ListId == list.Id && m.Subscriber.EmailKey == key, ct);
        if (membership is null) return TypedResults.Problem(statusCode: 404, title: "Not a member", detail: $"{email} is not on the list '{name}'.");
        // The row stays as the record of the opt-out: an import or an admin must not quietly put them back.
        if (membership.Status is MembershipStatus.Confirmed or MembershipStatus.Unconfirmed)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            membership.Status = MembershipStatus.Unsubscribed;
            membership.UnsubscribedUtc = now;
            membership.ConfirmationRequestedUtc = null;
            membership.UpdatedUtc = now;
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.NoContent();
    }

    /// <summary>The request body is the CSV (UTF-8 or GB18030, header <c>email,name</c>); <c>?confirmed=true</c> when the admin vouches for consent.</summary>
    public static async Task<Results<Ok<ImportReport>, ProblemHttpResult>> Import(string name, bool? confirmed, HttpRequest request, PublisherDbContext db,
        CsvImporter importer, CancellationToken ct)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListsApi.NoSuchList(name);
        if (request.ContentLength > MaxImportBytes)
            return TypedResults.Problem(statusCode: 413, title: "CSV too large", detail: $"At most {MaxImportBytes:N0} bytes per import.");
        using var buffer = new MemoryStream();
        // A chunked upload has no Content-Length: count while reading.
        var chunk = new byte[81920];
        for (int read; (read = await request.Body.ReadAsync(chunk, ct)) > 0;)
        {
            if (buffer.Length + read > MaxImportBytes)
                return TypedResults.Problem(statusCode: 413, title: "CSV too large", detail: $"At most {MaxImportBytes:N0} bytes per import; nothing was imported.");
            buffer.Write(chunk, 0, read);
        }
        var (report, error) = await importer.ImportAsync(list, buffer.ToArray(), confirmed ?? false, null, ct);
        if (report is null) return TypedResults.Problem(statusCode: 400, title: "Unusable CSV", detail: error);
        if (report.Stopped is { } stop)
            return TypedResults.Problem(statusCode: stop.Failure.Status, title: stop.Failure.Title,
                detail: $"The import stopped at line {stop.AtLine}: {stop.Failure.Detail} Every row through line {stop.StoredThroughLine} is stored " +
                        $"({report.Added} added); nothing from line {stop.AtLine} on. Importing the same file again finishes the job without doubling anyone.",
                extensions: new Dictionary<string, object?> { ["report"] = report });
        return TypedResults.Ok(report);
    }

    public static async Task<IResult> Export(string name, HttpContext http, PublisherDbContext db, CancellationToken ct)
    {
        var list = await db.Lists.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
        if (list is null) return ListsApi.NoSuchList(name);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{Uri.EscapeDataString(list.Name)}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false));
        await CsvExporter.WriteAsync(db, list, writer, ct);
        return TypedResults.Empty;
    }

    private static DateTime Utc(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc);
}
