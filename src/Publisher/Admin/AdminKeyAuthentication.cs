using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Publisher.Admin;

/// <summary>Authenticates <c>Authorization: Bearer &lt;AdminApiKey&gt;</c>; anything else is anonymous and gets 401.</summary>
public sealed class AdminKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AdminKey key)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminKey";
    public const string Policy = "Admin";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return Task.FromResult(AuthenticateResult.NoResult());
        if (!key.Matches(header["Bearer ".Length..].Trim())) return Task.FromResult(AuthenticateResult.Fail("wrong admin key"));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, "admin")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: 401, title: "Unauthorized",
            detail: "Send the admin key as 'Authorization: Bearer <key>' (Publisher:AdminApiKey, or the generated <DataPath>/admin.key).")
            .ExecuteAsync(Context);
    }
}

public static class AdminExtensions
{
    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AdminKey>();
        builder.Services.AddAuthentication(AdminKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthentication>(AdminKeyAuthentication.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminKeyAuthentication.Policy, p => p.AddAuthenticationSchemes(AdminKeyAuthentication.SchemeName).RequireAuthenticatedUser());
        return builder;
    }
}
