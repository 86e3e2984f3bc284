using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Publisher.Tests.Support;

namespace Publisher.Tests.Admin;

/// <summary>Making, changing and deleting lists in the console; bad input is named next to its field and changes nothing.</summary>
public sealed class ConsoleListTests : IAsyncLifetime
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
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _site.Dispose();
    }

    private static List<KeyValuePair<string, string>> Fields(string name, string schedule = "30 7 * * 1-5", string zone = "Europe/Berlin",
        string title = "Morning news", params string[] categories) =>
    [
        new("name", name), new("title", title), new("description", "What happened overnight"), new("schedule", schedule), new("timeZone", zone),
        new("optIn", "single"), new("action", "save"), .. categories.Select(c => new KeyValuePair<string, string>("categories", c)),
    ];

    private async Task<JsonElement> ListAsync(string name) => await _api.GetFromJsonAsync<JsonElement>($"/api/lists/{name}");

    [Fact]
    public async Task AListMadeInTheFormHasEverySettingTyped()
    {
        var response = await _browser.SubmitAsync("/admin/lists/new", "/admin/lists/new", Fields("morning", categories: ["人民监督", "Local"]));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/admin/lists/morning?done=created", response.Headers.Location!.OriginalString);
        var list = await ListAsync("morning");
        Assert.Equal("Morning news", list.GetProperty("title").GetString());
        Assert.Equal("What happened overnight", list.GetProperty("description").GetString());
        Assert.Equal("30 7 * * 1-5", list.GetProperty("schedule").GetString());
        Assert.Equal("Europe/Berlin", list.GetProperty("timeZone").GetString());
        Assert.Equal("single", list.GetProperty("optIn").GetString());
        Assert.Equal(["人民监督", "Local"], list.GetProperty("categories").EnumerateArray().Select(c => c.GetString()!).ToArray());

        string overview = await _browser.PageAsync("/admin");
        Assert.Contains("href=\"/admin/lists/morning\"", overview);
        Assert.Contains("Morning news", overview);

        string edit = await _browser.PageAsync("/admin/lists/morning/edit");
        Assert.Contains("value=\"30 7 * * 1-5\"", edit);
        Assert.Matches(@"<input type=""checkbox"" name=""categories"" value=""Local"" checked", edit);
        // The next five send times, in the list's zone: weekdays at 07:30.
        var times = Regex.Matches(edit, @"<li>(\w{3}) \d+ \w{3} \d{4} (\d\d:\d\d) <span class=""muted"">\(Europe/Berlin\)</span></li>");
        Assert.Equal(5, times.Count);
        Assert.All(times, t => Assert.Equal("07:30", t.Groups[2].Value));
        Assert.All(times, t => Assert.DoesNotContain(t.Groups[1].Value, new[] { "Sat", "Sun" }));
        Assert.Contains("<datalist id=\"zones\">", edit);
        Assert.Contains("<option value=\"Asia/Shanghai\"></option>", edit);
    }

    [Fact]
    public async Task AnExistingNameABadCronAndAnUnknownZoneAreNamedNextToTheirFieldsKeepWhatWasTypedAndChangeNothing()
    {
        Assert.Equal(HttpStatusCode.Created, (await _api.PostAsJsonAsync("/api/lists", new { name = "news", schedule = "0 8 * * *" })).StatusCode);
        string before = (await ListAsync("news")).GetRawText();

        var taken = await _browser.SubmitAsync("/admin/lists/new", "/admin/lists/new", Fields("news", title: "Typed title"));
        Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);
        string html = await taken.Content.ReadAsStringAsync();
        Assert.Matches(@"id=""name""[^>]*aria-invalid=""true""[^>]*aria-describedby=""name-error""", html);
        Assert.Contains("<p id=\"name-error\" class=\"error\">A list named &#x27;news&#x27; exists already.</p>", html);
        Assert.Contains("value=\"Typed title\"", html);
        Assert.Contains("value=\"30 7 * * 1-5\"", html);

        var bad = await _browser.SubmitAsync("/admin/lists/new", "/admin/lists/new", Fields("other", schedule: "61 25 * *", zone: "Mars/Olympus_Mons"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        html = await bad.Content.ReadAsStringAsync();
        Assert.Matches(@"<p id=""schedule-error"" class=""error"">[^<]*61 25 \* \*", html);
        Assert.Matches(@"<p id=""timeZone-error"" class=""error"">[^<]*Mars/Olympus_Mons", html);
        Assert.Contains("value=\"61 25 * *\"", html);
        Assert.Contains("value=\"Mars/Olympus_Mons\"", html);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync("/api/lists/other")).StatusCode);

        // The same rules when changing a list: a bad zone leaves it as it was.
        var edit = await _browser.SubmitAsync("/admin/lists/news/edit", "/admin/lists/news/edit", Fields("news", zone: "Nowhere/City"));
        Assert.Equal(HttpStatusCode.BadRequest, edit.StatusCode);
        Assert.Equal(before, (await ListAsync("news")).GetRawText());
    }

    [Fact]
    public async Task PreviewShowsTheTimesWithoutSavingAndRenameKeepsTheMembers()
    {
        Assert.Equal(HttpStatusCode.Created, (await _api.PostAsJsonAsync("/api/lists", new { name = "news" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _api.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "a@example.org", confirmed = true })).StatusCode);
        var fields = Fields("daily", schedule: "15 18 * * *", zone: "America/New_York");
        fields.RemoveAll(f => f.Key == "action");
        fields.Add(new("action", "preview"));
        var preview = await _browser.SubmitAsync("/admin/lists/news/edit", "/admin/lists/news/edit", fields);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal(5, Regex.Matches(await preview.Content.ReadAsStringAsync(), @"18:15 <span class=""muted"">\(America/New_York\)").Count);
        Assert.Equal("0 8 * * *", (await ListAsync("news")).GetProperty("schedule").GetString());

        var save = await _browser.SubmitAsync("/admin/lists/news/edit", "/admin/lists/news/edit", Fields("daily"));
        Assert.Equal("/admin/lists/daily?done=saved", save.Headers.Location!.OriginalString);
        Assert.Equal(1, (await ListAsync("daily")).GetProperty("counts").GetProperty("confirmed").GetInt32());
    }

    [Fact]
    public async Task DeletingTakesASecondStepAndAListThatKeepsOptOutsStays()
    {
        Assert.Equal(HttpStatusCode.Created, (await _api.PostAsJsonAsync("/api/lists", new { name = "gone" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _api.PostAsJsonAsync("/api/lists", new { name = "kept" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _api.PostAsJsonAsync("/api/lists/kept/subscribers", new { email = "b@example.org", confirmed = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _api.DeleteAsync("/api/lists/kept/subscribers/b@example.org")).StatusCode);

        string confirm = await _browser.PageAsync("/admin/lists/gone/delete");
        Assert.Contains("Delete the list gone?", confirm);
        Assert.Equal(HttpStatusCode.OK, (await _api.GetAsync("/api/lists/gone")).StatusCode); // looking changes nothing
        var delete = await _browser.SubmitAsync("/admin/lists/gone/delete", "/admin/lists/gone/delete", new Dictionary<string, string>());
        Assert.Equal("/admin?done=deleted", delete.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync("/api/lists/gone")).StatusCode);

        var refused = await _browser.SubmitAsync("/admin/lists/kept/delete", "/admin/lists/kept/delete", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("1 people unsubscribed", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await _api.GetAsync("/api/lists/kept")).StatusCode);
    }
}
