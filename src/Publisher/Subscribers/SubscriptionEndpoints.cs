using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Publisher.Data;
using Publisher.Feeds;
using Publisher.Pages;

namespace Publisher.Subscribers;

/// <summary>
/// The public subscription flows. No GET changes anything (mail scanners open every link): the pages behind
/// confirm and unsubscribe links show one button that POSTs. Tampered or expired tokens get 404 and change nothing.
/// </summary>
public static class SubscriptionEndpoints
{
    public const string ClientPolicy = "subscribe-per-client";

    public sealed record SubscribeRequest(string? Email, string? List, string? Name);

    public static IEndpointRouteBuilder MapSubscriptions(this IEndpointRouteBuilder app)
    {
        app.MapPost("/subscribe", Subscribe).RequireRateLimiting(ClientPolicy).WithTags("Subscriptions").DisableAntiforgery();
        app.MapGet("/confirm/{token}", ConfirmPage).ExcludeFromDescription();
        app.MapPost("/confirm/{token}", Confirm).ExcludeFromDescription().DisableAntiforgery();
        app.MapGet("/unsubscribe/{token}", UnsubscribePage).ExcludeFromDescription();
        app.MapPost("/unsubscribe/{token}", Unsubscribe).ExcludeFromDescription().DisableAntiforgery();
        return app;
    }

    public static async Task<IResult> Subscribe(HttpContext http, PublisherDbContext db, Subscriptions subscriptions, SubscribeAddressLimiter addressLimiter,
        IOptions<PublisherOptions> options, CancellationToken ct)
    {
        SubscribeRequest? request;
        try
        {
            request = http.Request.HasFormContentType
                ? await ReadFormAsync(http.Request, ct)
                : await http.Request.ReadFromJsonAsync<SubscribeRequest>(ct);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException or BadHttpRequestException)
        {
            return TypedResults.Problem(statusCode: 400, title: "Unreadable request", detail: "Send a form or JSON with email, list and optionally name.");
        }
        if (request is null) return TypedResults.Problem(statusCode: 400, title: "Empty request", detail: "Send email, list and optionally name.");

        var errors = new Dictionary<string, string[]>();
        if (!EmailAddress.TryNormalize(request.Email, out var email, out var emailError)) errors["email"] = [emailError!];
        if (!SubscriberName.TryNormalize(request.Name, out var name, out var nameError)) errors["name"] = [nameError!];
        if (string.IsNullOrWhiteSpace(request.List)) errors["list"] = ["a list is required"];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The subscription is not valid");

        var list = await db.Lists.SingleOrDefaultAsync(l => l.Name == request.List, ct);
        if (list is null) return TypedResults.Problem(statusCode: 404, title: "No such list", detail: $"There is no list named '{request.List}'.");

        // However often anyone asks, one address gets only a few requests through (and at most one mail an hour).
        using var lease = addressLimiter.Acquire(email);
        if (!lease.IsAcquired)
            return TypedResults.Problem(statusCode: 429, title: "Too many requests for this address", detail: "Try again later.");

        await subscriptions.SubscribeAsync(list, email, name, SubscribeMode.Public, ct);
        // The same answer whatever the address's state, so the form cannot be used to learn who is subscribed.
        if (http.Request.HasFormContentType) return Message(http, options, StatusCodes.Status202Accepted, Texts(options).CheckInbox, Texts(options).CheckInboxDetail);
        return TypedResults.Accepted((string?)null, new { status = "accepted", message = Texts(options).CheckInboxDetail });
    }

    private static async Task<SubscribeRequest> ReadFormAsync(HttpRequest request, CancellationToken ct)
    {
        var form = await request.ReadFormAsync(ct);
        return new SubscribeRequest(form["email"], form["list"], form["name"]);
    }

    public static async Task<IResult> ConfirmPage(string token, HttpContext http, PublisherDbContext db, SubscriberTokens tokens, IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var t = Texts(options);
        if (await FindAsync(token, TokenPurpose.Confirm, db, tokens, ct) is not { } m) return Message(http, options, 404, t.LinkInvalid, t.LinkInvalidDetail);
        if (m.Status == MembershipStatus.Confirmed) return Message(http, options, 200, t.Confirmed, string.Format(t.ConfirmedDetail, Title(m.List)));
        return Message(http, options, 200, t.ConfirmHeading, string.Format(t.ConfirmDetail, m.Subscriber.Email, Title(m.List)), $"/confirm/{token}", t.ConfirmButton);
    }

    public static async Task<IResult> Confirm(string token, HttpContext http, PublisherDbContext db, SubscriberTokens tokens, TimeProvider clock,
        IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var t = Texts(options);
        if (await FindAsync(token, TokenPurpose.Confirm, db, tokens, ct) is not { } m) return Message(http, options, 404, t.LinkInvalid, t.LinkInvalidDetail);
        if (m.Status == MembershipStatus.Unconfirmed)
        {
            Subscriptions.Confirm(m, clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync(ct);
        }
        // A confirm link must not undo a later unsubscribe or a bounce.
        return m.Status == MembershipStatus.Confirmed
            ? Message(http, options, 200, t.Confirmed, string.Format(t.ConfirmedDetail, Title(m.List)))
            : Message(http, options, 200, t.NotConfirmed, t.NotConfirmedDetail);
    }

    public static async Task<IResult> UnsubscribePage(string token, HttpContext http, PublisherDbContext db, SubscriberTokens tokens, IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var t = Texts(options);
        if (await FindAsync(token, TokenPurpose.Unsubscribe, db, tokens, ct) is not { } m) return Message(http, options, 404, t.LinkInvalid, t.LinkInvalidDetail);
        if (m.Status == MembershipStatus.Unsubscribed) return Message(http, options, 200, t.Unsubscribed, string.Format(t.UnsubscribedDetail, m.Subscriber.Email, Title(m.List)));
        return Message(http, options, 200, t.UnsubscribeHeading, string.Format(t.UnsubscribeDetail, m.Subscriber.Email, Title(m.List)), $"/unsubscribe/{token}", t.UnsubscribeButton);
    }

    /// <summary>Also the RFC 8058 one-click target: a mail client POSTs <c>List-Unsubscribe=One-Click</c> here. Idempotent.</summary>
    public static async Task<IResult> Unsubscribe(string token, HttpContext http, PublisherDbContext db, SubscriberTokens tokens, TimeProvider clock,
        IOptions<PublisherOptions> options, CancellationToken ct)
    {
        var t = Texts(options);
        if (await FindAsync(token, TokenPurpose.Unsubscribe, db, tokens, ct) is not { } m) return Message(http, options, 404, t.LinkInvalid, t.LinkInvalidDetail);
        if (m.Status is MembershipStatus.Confirmed or MembershipStatus.Unconfirmed)
        {
            Subscriptions.Leave(m, clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync(ct);
        }
        return Message(http, options, 200, t.Unsubscribed, string.Format(t.UnsubscribedDetail, m.Subscriber.Email, Title(m.List)));
    }

    private static async Task<Membership?> FindAsync(string token, TokenPurpose purpose, PublisherDbContext db, SubscriberTokens tokens, CancellationToken ct) =>
        tokens.TryRead(token, purpose, out int id)
            ? await db.Memberships.Include(m => m.List).Include(m => m.Subscriber).SingleOrDefaultAsync(m => m.Id == id, ct)
            : null;

    private static string Title(MailingList list) => MailingLists.DisplayName(list);

    public static IResult Message(HttpContext http, IOptions<PublisherOptions> options, int status, string heading, string message,
        string? formAction = null, string? button = null)
    {
        var site = options.Value.Site;
        return new RazorComponentResult<MessagePage>(new
        {
            Site = site,
            // Links follow Site:BaseUrl or an allowed Host only (SiteAddresses), never any Host a client sends.
            Links = new SiteLinks(http.RequestServices.GetRequiredService<SiteAddresses>().For(http.Request)),
            Heading = heading,
            Message = message,
            FormAction = formAction,
            ButtonText = button,
        }) { StatusCode = status };
    }

    public static SubscriptionTexts Texts(IOptions<PublisherOptions> options) =>
        options.Value.Site.IsChinese ? SubscriptionTexts.Chinese : SubscriptionTexts.English;
}

/// <summary>
/// Limits subscribe requests per target address, so nobody can mail-bomb an address through the form. Addresses share
/// 4,096 buckets (by a keyed hash), so a flood of distinct addresses cannot make the limiter grow without end (each
/// remembered address would otherwise be held for the hour's window, at about a kilobyte each); two addresses in one
/// bucket share its allowance, which matters only under such a flood. The database's rule (one confirmation mail an
/// hour per member) holds whatever this limiter lets through.
/// </summary>
public sealed class SubscribeAddressLimiter(IOptions<PublisherOptions> options) : IDisposable
{
    public const int Buckets = 4096;
    private readonly byte[] _key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(bucket =>
        RateLimitPartition.GetFixedWindowLimiter(bucket, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.Subscriptions.PerAddressPerHour,
            Window = TimeSpan.FromHours(1),
            QueueLimit = 0,
        }));

    public RateLimitLease Acquire(string address)
    {
        // The key is random per process, so nobody can pick addresses that fall into someone else's bucket.
        var hash = System.Security.Cryptography.HMACSHA256.HashData(_key, System.Text.Encoding.UTF8.GetBytes(EmailAddress.Key(address)));
        return _limiter.AttemptAcquire((BitConverter.ToUInt32(hash) % Buckets).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose() => _limiter.Dispose();
}
