using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Publisher.Admin.Console;

/// <summary>
/// The console's sign-in: the session cookie <see cref="AdminKey"/> signs (the Hangfire dashboard's mechanism, with its
/// own purpose). Without it a page redirects to the sign-in form and anything else gets 401.
/// </summary>
public sealed class ConsoleAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AdminKey key,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminConsole";
    public const string Policy = "AdminConsole";
    public const string Cookie = "publisher-admin";
    public const string Purpose = "admin-console";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Cookies.TryGetValue(Cookie, out var cookie)) return Task.FromResult(AuthenticateResult.NoResult());
        if (!key.MatchesSessionCookie(Purpose, cookie, clock.GetUtcNow())) return Task.FromResult(AuthenticateResult.Fail("expired or altered console cookie"));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, "admin")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (HttpMethods.IsGet(Request.Method) || HttpMethods.IsHead(Request.Method))
        {
            string next = Request.Path + Request.QueryString;
            Response.Redirect(ConsoleRoutes.SignIn + (next == ConsoleRoutes.Home ? "" : "?next=" + Uri.EscapeDataString(next)));
            return Task.CompletedTask;
        }
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Results.Problem(statusCode: 401, title: "Unauthorized", detail: "Sign in at /admin first.").ExecuteAsync(Context);
    }

    /// <summary>Sets the session cookie: HTTP only, same-site only, Secure when the browser speaks https to the site.</summary>
    public static void SignIn(HttpContext http, AdminKey key, TimeProvider clock, string? baseUrl) =>
        http.Response.Cookies.Append(Cookie, key.SessionCookie(Purpose, clock.GetUtcNow()), CookieOptions(http, baseUrl));

    public static void SignOut(HttpContext http, string? baseUrl) => http.Response.Cookies.Delete(Cookie, CookieOptions(http, baseUrl));

    // Path "/" so that the Hangfire dashboard the console links to sees it too.
    private static CookieOptions CookieOptions(HttpContext http, string? baseUrl) => new()
    {
        HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", MaxAge = AdminKey.DashboardSession, IsEssential = true,
        // Behind a TLS proxy the request looks like http; the configured address says what the browser used.
        Secure = http.Request.IsHttps || (baseUrl?.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ?? false),
    };
}
