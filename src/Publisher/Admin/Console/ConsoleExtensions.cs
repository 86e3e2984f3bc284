using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Publisher.Admin.Console;

/// <summary>
/// The admin console under /admin: server-rendered pages (Razor components), plain forms with antiforgery tokens, no
/// script. Every route but the sign-in form needs the console cookie.
/// </summary>
public static class ConsoleExtensions
{
    public const string SignInPolicy = "admin-signin";
    /// <summary>Sign-in attempts per client address and minute.</summary>
    public const int SignInsPerMinute = 10;

    public static WebApplicationBuilder AddAdminConsole(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ConsoleAuthentication>(ConsoleAuthentication.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ConsoleAuthentication.Policy, p => p.AddAuthenticationSchemes(ConsoleAuthentication.SchemeName).RequireAuthenticatedUser());
        builder.Services.AddAntiforgery(o => o.Cookie.Name = "publisher-antiforgery");
        builder.Services.AddSingleton<ImportRuns>();
        builder.Services.AddRateLimiter(limits => limits.AddPolicy(SignInPolicy, http =>
            RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = SignInsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })));
        // The limiter has one rejection callback: the console's answer for its sign-in, whoever else set theirs.
        builder.Services.PostConfigure<RateLimiterOptions>(limits =>
        {
            var others = limits.OnRejected;
            limits.OnRejected = (context, ct) => context.HttpContext.Request.Path.StartsWithSegments(ConsoleRoutes.Home)
                ? new ValueTask(SignInEndpoints.TooManyAttempts(context.HttpContext).ExecuteAsync(context.HttpContext))
                : others?.Invoke(context, ct) ?? ValueTask.CompletedTask;
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapAdminConsole(this IEndpointRouteBuilder app)
    {
        var console = app.MapGroup(ConsoleRoutes.Home).ExcludeFromDescription().AddEndpointFilter(RequireAntiforgeryOnPost);
        console.MapGet("/signin", SignInEndpoints.Form);
        console.MapPost("/signin", SignInEndpoints.SignIn).RequireRateLimiting(SignInPolicy);

        var admin = console.MapGroup("").RequireAuthorization(ConsoleAuthentication.Policy);
        admin.MapPost("/signout", SignInEndpoints.SignOut);
        admin.MapGet("/", ListEndpoints.Overview);
        admin.MapListEndpoints();
        admin.MapMemberEndpoints();
        admin.MapDigestEndpoints();
        admin.MapArticleEndpoints();
        return app;
    }

    /// <summary>Every POST carries the token its form was rendered with; a forged or stale one changes nothing.</summary>
    private static async ValueTask<object?> RequireAntiforgeryOnPost(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
            && !await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http))
            return Results.Problem(statusCode: 400, title: "Bad request",
                detail: "The form was not sent from this site's page or is out of date: go back, reload the page and try again.");
        return await next(context);
    }

    public static ConsoleUi Ui(this IOptions<PublisherOptions> options, string? note = null) => ConsoleUi.For(options.Value.Site, note);
}
