using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Publisher.Tests.Support;

namespace Publisher.Tests.Attacks;

/// <summary>
/// Every route, taken from the running host's endpoint data source (so a new route is covered by itself): the admin
/// ones refuse every way of not having the key, and no GET or HEAD anywhere changes what is stored.
/// </summary>
public sealed class AdminRouteTests : IAsyncLifetime
{
    private readonly TempSite _site = new();
    private PublisherFactory _factory = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _site.AddSeed();
        _factory = new PublisherFactory(_site.Settings());
        _admin = _factory.CreateAdminClient();
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "a@example.org", confirmed = true })).StatusCode);
        await Eventually.HoldsAsync(async () => (await _admin.GetStringAsync("/feeds/rss.xml")).Contains("<item>"), TimeSpan.FromSeconds(20), "the seed is published");
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _site.Dispose();
    }

    private List<(string Method, string Path, bool Admin)> Routes() =>
        _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, Fill(e.RoutePattern.RawText!),
                e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any())))
            .Distinct().ToList();

    /// <summary>A concrete path for a route pattern: each parameter gets a value that exists where one is needed.</summary>
    private static string Fill(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace("/" + pattern.TrimStart('/'), @"\{\*?(\w+)[^}]*\}", m => m.Groups[1].Value switch
        {
            "name" => "news",
            "email" => "a@example.org",
            "documentName" => "v1",
            "slug" => "000_8378d429204bb38c",
            var p when p.EndsWith("id", StringComparison.OrdinalIgnoreCase) => "1",
            _ => "x",
        });

    /// <summary>The console's pages send a stranger to the sign-in form instead: Admin/ConsoleSignInTests covers them.</summary>
    [Fact]
    public async Task EveryAdminRouteAnswers401WithoutTheKeyWithAWrongKeyAndWithTheKeyInTheQuery()
    {
        var routes = Routes().Where(r => r.Admin && !r.Path.StartsWith("/admin", StringComparison.Ordinal)).ToList();
        Assert.True(routes.Count >= 20, $"only {routes.Count} admin routes found: the enumeration is broken");
        var stranger = _factory.CreateClient();
        foreach (var (method, path, _) in routes)
        {
            foreach (var (how, request) in new (string, HttpRequestMessage)[]
            {
                ("no key", new(new HttpMethod(method), path)),
                ("a wrong key", WithHeader(new(new HttpMethod(method), path), "Bearer " + TempSite.AdminKey + "x")),
                ("the key's prefix", WithHeader(new(new HttpMethod(method), path), "Bearer " + TempSite.AdminKey[..^1])),
                ("another scheme", WithHeader(new(new HttpMethod(method), path), "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + TempSite.AdminKey)))),
                ("the key in the query", new(new HttpMethod(method), $"{path}?key={TempSite.AdminKey}&access_token={TempSite.AdminKey}&api_key={TempSite.AdminKey}")),
            })
            {
                using var response = await stranger.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with {how}: {(int)response.StatusCode}");
            }
        }
    }

    private static HttpRequestMessage WithHeader(HttpRequestMessage request, string authorization)
    {
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return request;
    }

    [Fact]
    public async Task NoGetOrHeadChangesWhatIsStoredWithTheKeyOrWithout()
    {
        var reads = Routes().Where(r => r.Method is "GET" or "HEAD").Select(r => r.Path)
            .Concat(["/confirm/x", "/unsubscribe/x", "/hangfire", "/hangfire/stats"]).Distinct().ToList();
        string before = Snapshot();
        foreach (var path in reads)
            foreach (var client in new[] { _admin, _factory.CreateClient() })
            {
                (await client.GetAsync(path)).Dispose();
                (await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path))).Dispose();
            }
        Assert.Equal(before, Snapshot());
    }

    /// <summary>Every row of every table of the site's database, hashed.</summary>
    private string Snapshot()
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(_site.DataPath, "publisher.db")};Mode=ReadOnly");
        db.Open();
        var tables = new List<string>();
        using (var list = db.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'HostProcesses' ORDER BY name";
            using var reader = list.ExecuteReader();
            while (reader.Read()) tables.Add(reader.GetString(0));
        }
        var all = new StringBuilder();
        foreach (var table in tables)
        {
            using var rows = db.CreateCommand();
            rows.CommandText = $"SELECT * FROM \"{table}\" ORDER BY 1";
            using var reader = rows.ExecuteReader();
            all.Append(table).Append('\n');
            while (reader.Read())
            {
                for (int i = 0; i < reader.FieldCount; i++) all.Append(reader.IsDBNull(i) ? "∅" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append('|');
                all.Append('\n');
            }
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(all.ToString()))) + $" ({tables.Count} tables)";
    }
}
