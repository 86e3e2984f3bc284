using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Publisher.Admin;
using Publisher.Tests.Support;

namespace Publisher.Tests.Admin;

/// <summary>The Hangfire dashboard's sign-in: the admin key once, then a cookie that ends and can be revoked.</summary>
public sealed class DashboardTests : IDisposable
{
    private readonly TempSite _site = new();

    public void Dispose() => _site.Dispose();

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private AdminKey Key()
    {
        var options = Options.Create(new PublisherOptions { DataPath = _site.DataPath, AdminApiKey = TempSite.AdminKey });
        return new(options, new Publisher.Data.SharedSecrets(null!, options), NullLogger<AdminKey>.Instance);
    }

    [Fact]
    public void TheCookieEndsAfterItsSessionIsRefusedWhenAlteredAndIsRevokedWithTheServerSideSecret()
    {
        var clock = new Clock(new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero));
        var key = Key();
        string cookie = key.DashboardCookie(clock.GetUtcNow());
        Assert.True(key.MatchesDashboardCookie(cookie, clock.GetUtcNow()));
        Assert.True(Key().MatchesDashboardCookie(cookie, clock.GetUtcNow())); // another process with the same secret

        // A longer life written into the cookie breaks its signature.
        long expires = long.Parse(cookie[..cookie.IndexOf('.')]);
        Assert.False(key.MatchesDashboardCookie($"{expires + 86400}{cookie[cookie.IndexOf('.')..]}", clock.GetUtcNow()));
        Assert.False(key.MatchesDashboardCookie("garbage", clock.GetUtcNow()));

        clock.Now += AdminKey.DashboardSession + TimeSpan.FromSeconds(1);
        Assert.False(key.MatchesDashboardCookie(cookie, clock.GetUtcNow()));

        clock.Now -= AdminKey.DashboardSession;
        File.Delete(Path.Combine(_site.DataPath, "dashboard.key"));
        Assert.False(Key().MatchesDashboardCookie(cookie, clock.GetUtcNow()));
    }

    [Fact]
    public async Task TheDashboardTakesTheKeyOnceThenAnHttpOnlyStrictCookieWithAnEnd()
    {
        await using var factory = new PublisherFactory(_site.Settings());
        var stranger = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("/hangfire")).StatusCode);

        var admin = factory.CreateAdminClient();
        var page = await admin.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        string setCookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("publisher-dashboard="));
        Assert.Contains("max-age=28800", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);

        var stats = await admin.GetAsync("/hangfire/stats"); // Hangfire's stats take a POST; a GET must not be a server error
        Assert.True((int)stats.StatusCode < 500, $"GET /hangfire/stats: {(int)stats.StatusCode}");

        var withCookie = factory.CreateClient();
        withCookie.DefaultRequestHeaders.Add("Cookie", setCookie.Split(';')[0]);
        Assert.Equal(HttpStatusCode.OK, (await withCookie.GetAsync("/hangfire/recurring")).StatusCode);
        withCookie.DefaultRequestHeaders.Remove("Cookie");
        withCookie.DefaultRequestHeaders.Add("Cookie", "publisher-dashboard=" + new string('0', 64)); // the old, key-derived form
        Assert.Equal(HttpStatusCode.Unauthorized, (await withCookie.GetAsync("/hangfire/recurring")).StatusCode);
    }
}
