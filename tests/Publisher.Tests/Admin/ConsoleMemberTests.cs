using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Publisher.Tests.Support;

namespace Publisher.Tests.Admin;

/// <summary>A list's page in the console: members searched, filtered and paged; added, removed, asked again; CSV in and out.</summary>
public sealed class ConsoleMemberTests : IAsyncLifetime
{
    private readonly TempSite _site = new();
    private PublisherFactory _factory = null!;
    private ConsoleBrowser _browser = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        var settings = _site.Settings();
        settings["Publisher:Site:Language"] = "en";
        _factory = new PublisherFactory(settings);
        _browser = await ConsoleBrowser.SignedInAsync(_factory);
        _api = _factory.CreateAdminClient();
        Assert.Equal(HttpStatusCode.Created, (await _api.PostAsJsonAsync("/api/lists", new { name = "news" })).StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _site.Dispose();
    }

    private async Task ImportViaApiAsync(string csv, bool confirmed = true) =>
        Assert.Equal(HttpStatusCode.OK, (await _api.PostAsync($"/api/lists/news/subscribers/import?confirmed={confirmed}", new StringContent(csv))).StatusCode);

    private static List<string> Addresses(string html) =>
        Regex.Matches(html, @"<tr>\s*<td>([^<]+@[^<]+)</td>").Select(m => m.Groups[1].Value).ToList();

    [Fact]
    public async Task MembersAreSearchedByAddressOrNameFilteredByStatusAndPaged()
    {
        var csv = new StringBuilder("email,name\n");
        for (int i = 0; i < 120; i++) csv.Append($"reader{i:000}@example.org,{(i == 42 ? "Ada Lovelace" : "Reader " + i)}\n");
        await ImportViaApiAsync(csv.ToString());
        Assert.Equal(HttpStatusCode.NoContent, (await _api.DeleteAsync("/api/lists/news/subscribers/reader007@example.org")).StatusCode);

        string first = await _browser.PageAsync("/admin/lists/news");
        Assert.Contains("120 members match; page 1 of 3.", first);
        // Newest first: the file's last row heads page 1, its first row ends page 3.
        Assert.Equal(Enumerable.Range(70, 50).Reverse().Select(i => $"reader{i:000}@example.org"), Addresses(first));
        string third = await _browser.PageAsync("/admin/lists/news?page=3");
        Assert.Equal(Enumerable.Range(0, 20).Reverse().Select(i => $"reader{i:000}@example.org"), Addresses(third));
        Assert.Contains("href=\"/admin/lists/news?page=2\" rel=\"prev\"", third);

        Assert.Equal(["reader042@example.org"], Addresses(await _browser.PageAsync("/admin/lists/news?q=lovelace")));
        Assert.Equal(Enumerable.Range(110, 10).Reverse().Select(i => $"reader{i:000}@example.org"), Addresses(await _browser.PageAsync("/admin/lists/news?q=reader11")));
        Assert.Equal(["reader007@example.org"], Addresses(await _browser.PageAsync("/admin/lists/news?status=unsubscribed")));
        Assert.Empty(Addresses(await _browser.PageAsync("/admin/lists/news?q=lovelace&status=unsubscribed")));
        // A search for the LIKE wildcards finds them literally, not everything.
        Assert.Empty(Addresses(await _browser.PageAsync("/admin/lists/news?q=%25")));
        Assert.Contains("10 members match; page 1 of 1.", await _browser.PageAsync("/admin/lists/news?q=reader11&page=9&status=confirmed")); // past the end: the last page
        var badStatus = await _browser.Client.GetAsync("/admin/lists/news?status=gone");
        Assert.Contains("status-error", await badStatus.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AddingRemovingAndAskingAgainChangeOneMemberAndBadInputChangesNothing()
    {
        var added = await _browser.SubmitAsync("/admin/lists/news", "/admin/lists/news/members", new() { ["email"] = "New.Person@Example.ORG", ["name"] = "New Person" });
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        Assert.Contains("New.Person@example.org was added.", await _browser.PageAsync(added.Headers.Location!.OriginalString));
        var members = await _api.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers");
        Assert.Equal("unconfirmed", members.GetProperty("items")[0].GetProperty("status").GetString()); // double opt-in: a confirmation mail is due

        // Asked again within the hour: the rule of the public form holds, no second mail.
        var resend = await _browser.SubmitAsync("/admin/lists/news", "/admin/lists/news/members/resend", new() { ["email"] = "new.person@example.org" });
        Assert.Contains("less than an hour ago", await _browser.PageAsync(resend.Headers.Location!.OriginalString));

        var bad = await _browser.SubmitAsync("/admin/lists/news", "/admin/lists/news/members", new() { ["email"] = "not-an-address", ["name"] = "Kept Name" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        string html = await bad.Content.ReadAsStringAsync();
        Assert.Matches(@"<p id=""email-error"" class=""error"">[^<]+</p>", html);
        Assert.Contains("value=\"not-an-address\"", html);
        Assert.Contains("value=\"Kept Name\"", html);
        Assert.Equal(1, (await _api.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers")).GetProperty("total").GetInt32());

        var removed = await _browser.SubmitAsync("/admin/lists/news", "/admin/lists/news/members/remove", new() { ["email"] = "new.person@example.org" });
        Assert.Contains("is unsubscribed from this list", await _browser.PageAsync(removed.Headers.Location!.OriginalString));
        Assert.Equal("unsubscribed", (await _api.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers")).GetProperty("items")[0].GetProperty("status").GetString());

        // Nobody but the person brings an unsubscribed member back.
        var again = await _browser.SubmitAsync("/admin/lists/news", "/admin/lists/news/members", new() { ["email"] = "new.person@example.org" });
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("only the person can subscribe again", await again.Content.ReadAsStringAsync());
    }

    private async Task<HttpResponseMessage> UploadAsync(byte[] bytes, string fileName = "people.csv", bool confirmed = true)
    {
        string token = await _browser.TokenAsync("/admin/lists/news");
        var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new ByteArrayContent(bytes), "file", fileName },
        };
        if (confirmed) form.Add(new StringContent("true"), "confirmed");
        return await _browser.Client.PostAsync("/admin/lists/news/import", form);
    }

    [Fact]
    public async Task AnUploadedCsvIsImportedAndItsReportNamesEachBadRowByLine()
    {
        string csv = "email,name\nada@example.org,Ada\nnot-an-address,Bob\ncyd@example.org,Cyd\nada@example.org,Ada again\n\"unclosed@example.org,Dan\n";
        var response = await UploadAsync(Encoding.UTF8.GetBytes(csv));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        string report = "";
        await Eventually.HoldsAsync(async () => (report = await _browser.PageAsync(response.Headers.Location!.OriginalString)).Contains("Rows not imported"),
            TimeSpan.FromSeconds(20), "the import's report");
        Assert.Matches(@"<dt>Added</dt><dd>2</dd>", report);
        Assert.Matches(@"<td data-label=""Line"">3</td>\s*<td data-label=""Address"">not-an-address</td>", report);
        Assert.Matches(@"<td data-label=""Line"">5</td>\s*<td data-label=""Address"">ada@example.org</td>\s*<td data-label=""Why"">duplicate of line 2</td>", report);
        Assert.Matches(@"<td data-label=""Line"">\d+</td>\s*<td data-label=""Address""></td>\s*<td data-label=""Why"">malformed CSV: unbalanced quote", report);
        Assert.Equal(2, (await _api.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers")).GetProperty("total").GetInt32());

        var export = await _browser.Client.GetAsync("/admin/lists/news/export.csv");
        Assert.Equal("text/csv", export.Content.Headers.ContentType!.MediaType);
        string exported = await export.Content.ReadAsStringAsync();
        Assert.StartsWith("email,name,status,subscribed_at,confirmed_at", exported);
        Assert.Contains("cyd@example.org,Cyd,confirmed", exported);
    }

    [Fact]
    public async Task AnEmptyFileOrOneInAnotherEncodingIsRefusedNextToTheFieldAndChangesNothing()
    {
        var empty = await UploadAsync([], "empty.csv");
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        string html = await empty.Content.ReadAsStringAsync();
        Assert.Matches(@"<p id=""file-error"" class=""error"">empty.csv is empty \(0 bytes\)", html);
        Assert.Matches(@"<input type=""checkbox"" name=""confirmed"" value=""true"" checked", html); // what was ticked stays ticked

        // UTF-16 without a byte order mark: NULs between the letters.
        var utf16 = await UploadAsync(Encoding.Unicode.GetBytes("email,name\nada@example.org,Ada\n"), "utf16.csv");
        Assert.Equal(HttpStatusCode.BadRequest, utf16.StatusCode);
        Assert.Matches(@"<p id=""file-error"" class=""error"">utf16.csv cannot be read: binary file", await utf16.Content.ReadAsStringAsync());
        Assert.Equal(0, (await _api.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers")).GetProperty("total").GetInt32());
    }
}
