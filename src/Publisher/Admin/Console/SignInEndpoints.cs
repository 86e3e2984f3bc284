using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Publisher.Admin.Console;

/// <summary>One password field for the admin key; a right key sets the session cookie, a wrong one says so and nothing else.</summary>
public static class SignInEndpoints
{
    public static async Task<IResult> Form(string? next, [FromQuery(Name = "out")] string? signedOut, HttpContext http, IOptions<PublisherOptions> options)
    {
        if ((await http.AuthenticateAsync(ConsoleAuthentication.SchemeName)).Succeeded) return Results.Redirect(ConsoleRoutes.SafeNext(next));
        var ui = options.Ui(signedOut == "1" ? options.Ui().T("You are signed out.", "已退出登录。") : null);
        return Page(ui, ConsoleRoutes.SafeNext(next), error: null);
    }

    public static IResult SignIn([FromForm] string? key, [FromForm] string? next, HttpContext http, AdminKey adminKey, TimeProvider clock,
        IOptions<PublisherOptions> options)
    {
        var ui = options.Ui();
        if (string.IsNullOrEmpty(key))
            return Page(ui, ConsoleRoutes.SafeNext(next), ui.T("Type the admin key.", "请输入管理密钥。"), StatusCodes.Status400BadRequest);
        if (!adminKey.Matches(key))
            return Page(ui, ConsoleRoutes.SafeNext(next), ui.T("That is not the admin key.", "管理密钥不对。"), StatusCodes.Status401Unauthorized);
        ConsoleAuthentication.SignIn(http, adminKey, clock, options.Value.Site.BaseUrl);
        return Results.Redirect(ConsoleRoutes.SafeNext(next), permanent: false, preserveMethod: false);
    }

    public static IResult SignOut(HttpContext http, IOptions<PublisherOptions> options)
    {
        ConsoleAuthentication.SignOut(http, options.Value.Site.BaseUrl);
        return Results.Redirect(ConsoleRoutes.SignIn + "?out=1");
    }

    public static IResult TooManyAttempts(HttpContext http)
    {
        var ui = http.RequestServices.GetRequiredService<IOptions<PublisherOptions>>().Ui();
        return Page(ui, ConsoleRoutes.Home, ui.T("Too many sign-in attempts from this address: wait a minute, then try again.",
            "此地址登录尝试次数过多,请一分钟后再试。"), StatusCodes.Status429TooManyRequests);
    }

    private static RazorComponentResult<SignInPage> Page(ConsoleUi ui, string next, string? error, int status = StatusCodes.Status200OK) =>
        new(new { Ui = ui, Next = next, Error = error }) { StatusCode = status };
}
