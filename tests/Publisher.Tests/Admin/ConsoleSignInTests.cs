using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Publisher.Tests.Support;

namespace Publisher.Tests.Admin;

/// <summary>The console's door: one password field, a signed cookie, antiforgery on every form, sign out, a limit on guessing.</summary>
public sealed class ConsoleSignInTests : IAsyncLifetime
{
    private readonly TempSite _site = new();
    private PublisherFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new PublisherFactory(_site.Settings());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _site.Dispose();
    }

    [Fact]
    public async Task AStrangerAtAdminIsSentToAFormWithOnePasswordField()
    {
        var browser = ConsoleBrowser.For(_factory);
        var response = await browser.Client.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/admin/signin", response.Headers.Location!.OriginalString);

        string html = await browser.PageAsync("/admin/signin");
        Assert.Single(Regex.Matches(html, @"<input[^>]*type=""password"""));
        Assert.Equal(2, Regex.Matches(html, @"<input[^>]*type=""hidden""").Count); // the token and where to go next
        Assert.DoesNotContain("<script", html);
        Assert.Contains("<label for=\"key\">", html);
    }

    [Fact]
    public async Task AWrongKeyIsToldNextToTheFieldAndGetsNoCookie()
    {
        var browser = ConsoleBrowser.For(_factory);
        var response = await browser.SubmitAsync("/admin/signin", "/admin/signin", new() { ["key"] = TempSite.AdminKey + "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        string html = await response.Content.ReadAsStringAsync();
        Assert.Matches(@"<p id=""key-error"" class=""error""[^>]*>[^<]+</p>", html);
        Assert.Contains("aria-invalid=\"true\"", html);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("publisher-admin=")));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.Client.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task TheRightKeySetsAnHttpOnlyStrictCookieThatEndsAndSignOutEndsIt()
    {
        var browser = ConsoleBrowser.For(_factory);
        var response = await browser.SubmitAsync("/admin/signin?next=%2Fadmin%2Farticles", "/admin/signin",
            new() { ["key"] = TempSite.AdminKey, ["next"] = "/admin/articles" });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/admin/articles", response.Headers.Location!.OriginalString);
        string cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("publisher-admin="));
        Assert.Contains("max-age=28800", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase); // the site is http here
        Assert.Contains("<h1>", await browser.PageAsync("/admin"));

        // The cookie signs in to the Hangfire dashboard the console links to.
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("/hangfire")).StatusCode);

        var signOut = await browser.SubmitAsync("/admin", "/admin/signout", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Contains("role=\"status\"", await browser.PageAsync(signOut.Headers.Location!.OriginalString)); // "you are signed out"
        Assert.Equal(HttpStatusCode.Redirect, (await browser.Client.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task AnHttpsSiteGetsASecureCookie()
    {
        await using var factory = new PublisherFactory(_site.Settings("https://feeds.example.test"));
        var browser = ConsoleBrowser.For(factory);
        var response = await browser.SubmitAsync("/admin/signin", "/admin/signin", new() { ["key"] = TempSite.AdminKey });
        Assert.Contains("secure", response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("publisher-admin=")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task NextCannotLeaveTheConsole()
    {
        foreach (var next in new[] { "https://evil.example/", "//evil.example/admin", "/administrator", "/admin\\..\\x" })
        {
            var browser = ConsoleBrowser.For(_factory);
            var response = await browser.SubmitAsync("/admin/signin", "/admin/signin", new() { ["key"] = TempSite.AdminKey, ["next"] = next });
            Assert.Equal("/admin", response.Headers.Location!.OriginalString);
        }
    }

    [Fact]
    public async Task APostWithoutAValidAntiforgeryTokenIsRefusedAndChangesNothing()
    {
        var stranger = ConsoleBrowser.For(_factory);
        var noToken = await stranger.Client.PostAsync("/admin/signin", new FormUrlEncodedContent([new("key", TempSite.AdminKey)]));
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.False(noToken.Headers.Contains("Set-Cookie") && noToken.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("publisher-admin=")));

        var admin = await ConsoleBrowser.SignedInAsync(_factory);
        var fields = new Dictionary<string, string> { ["name"] = "forged", ["schedule"] = "0 8 * * *", ["timeZone"] = "UTC", ["optIn"] = "double" };
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Client.PostAsync("/admin/lists/new", new FormUrlEncodedContent(fields))).StatusCode);
        var wrongToken = fields.Append(new("__RequestVerificationToken", "CfDJ8" + new string('A', 100)));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Client.PostAsync("/admin/lists/new", new FormUrlEncodedContent(wrongToken))).StatusCode);
        // A token from another browser's session is not this one's.
        string othersToken = await ConsoleBrowser.For(_factory).TokenAsync("/admin/signin");
        var foreign = fields.Append(new("__RequestVerificationToken", othersToken));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Client.PostAsync("/admin/lists/new", new FormUrlEncodedContent(foreign))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _factory.CreateAdminClient().GetAsync("/api/lists/forged")).StatusCode);
    }

    [Fact]
    public async Task SignInAttemptsAreLimitedPerClient()
    {
        var browser = ConsoleBrowser.For(_factory);
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 12; i++)
            statuses.Add((await browser.SubmitAsync("/admin/signin", "/admin/signin", new() { ["key"] = "guess" + i })).StatusCode);
        Assert.All(statuses.Take(10), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[10]);
        // Even the right key waits now.
        var right = await browser.SubmitAsync("/admin/signin", "/admin/signin", new() { ["key"] = TempSite.AdminKey });
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.Contains("一分钟后再试", await right.Content.ReadAsStringAsync()); // the site speaks Chinese (zh-CN by default)
    }

    [Fact]
    public async Task EveryConsoleRouteRefusesARequestWithoutTheCookie()
    {
        Assert.Equal(HttpStatusCode.Created, (await _factory.CreateAdminClient().PostAsJsonAsync("/api/lists", new { name = "news" })).StatusCode);
        var routes = _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/admin", StringComparison.Ordinal) && e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any())
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Path: Fill(e.RoutePattern.RawText!))))
            .Distinct().ToList();
        Assert.True(routes.Count >= 5, $"only {routes.Count} console routes found");
        Assert.Contains(routes, r => r.Method == "POST");
        var key = new AdminKeyCookie(_site);
        foreach (var (how, cookie, bearer) in new (string, string?, bool)[]
        {
            ("nothing", null, false),
            ("the API key as a bearer", null, true),
            ("a forged cookie", "publisher-admin=99999999999." + new string('0', 64), false),
            ("the dashboard's cookie", "publisher-admin=" + key.Dashboard(), false),
        })
        {
            var client = _factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
            if (cookie is not null) client.DefaultRequestHeaders.Add("Cookie", cookie);
            if (bearer) client.DefaultRequestHeaders.Authorization = new("Bearer", TempSite.AdminKey);
            foreach (var (method, path) in routes)
            {
                using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
                {
                    Content = method == "POST" ? new FormUrlEncodedContent([new("name", "x")]) : null,
                });
                if (method is "GET" or "HEAD")
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{method} {path} with {how}: {(int)response.StatusCode}");
                    Assert.StartsWith("/admin/signin", response.Headers.Location!.OriginalString);
                }
                else Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with {how}: {(int)response.StatusCode}");
            }
        }
    }

    private static string Fill(string pattern) => Regex.Replace(pattern, @"\{(\w+)[^}]*\}", m => m.Groups[1].Value switch
    {
        "name" => "news",
        "id" => "0123456789abcdef0123456789abcdef",
        _ => "1",
    });

    /// <summary>A cookie the dashboard would accept, made with the site's own key and secret.</summary>
    private sealed class AdminKeyCookie(TempSite site)
    {
        public string Dashboard()
        {
            var options = Microsoft.Extensions.Options.Options.Create(new PublisherOptions { DataPath = site.DataPath, AdminApiKey = TempSite.AdminKey });
            return new Publisher.Admin.AdminKey(options, new Publisher.Data.SharedSecrets(null!, options),
                Microsoft.Extensions.Logging.Abstractions.NullLogger<Publisher.Admin.AdminKey>.Instance).DashboardCookie(DateTimeOffset.UtcNow);
        }
    }
}
