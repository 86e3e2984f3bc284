using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Publisher.Tests.Support;

namespace Publisher.Tests.Subscribers;

/// <summary>Visitors subscribing, confirming and unsubscribing through the real host, with mail over real SMTP.</summary>
[Trait("Db", "Both")]
public sealed class SubscriptionFlowTests : IAsyncLifetime
{
    private readonly TempSite _site = new();
    private readonly TestSmtpServer _smtp = new();
    private PublisherFactory _factory = null!;
    private HttpClient _client = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        var settings = _site.Settings(_smtp.Settings());
        _factory = new PublisherFactory(settings);
        _client = _factory.CreateClient(new() { AllowAutoRedirect = false });
        _admin = _factory.CreateAdminClient();
        var created = await _admin.PostAsJsonAsync("/api/lists", new { name = "news", description = "政务要闻", schedule = "0 8 * * *" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
        _site.Dispose();
    }

    private async Task<MimeMessage> MailToAsync(string address, int nth = 1)
    {
        MimeMessage? found = null;
        await Eventually.HoldsAsync(() =>
        {
            found = _smtp.Received.Where(m => m.To.Mailboxes.Any(b => b.Address == address)).Skip(nth - 1).FirstOrDefault();
            return Task.FromResult(found is not null);
        }, TimeSpan.FromSeconds(15), $"mail number {nth} to {address} arrives");
        return found!;
    }

    private static string TokenIn(MimeMessage mail, string path)
    {
        var match = Regex.Match(mail.TextBody!, $@"/{path}/([A-Za-z0-9_-]+)");
        Assert.True(match.Success, mail.TextBody);
        Assert.Contains($"/{path}/{match.Groups[1].Value}", mail.HtmlBody);
        return match.Groups[1].Value;
    }

    private async Task<string> StatusOfAsync(string email)
    {
        var page = await _admin.GetFromJsonAsync<JsonElement>($"/api/lists/news/subscribers?search={Uri.EscapeDataString(email)}");
        return page.GetProperty("items").EnumerateArray().Single().GetProperty("status").GetString()!;
    }

    [Fact]
    public async Task DoubleOptInMailsAConfirmationAndOnlyAPostConfirms()
    {
        var response = await _client.PostAsJsonAsync("/subscribe", new { email = "Li.Lei@Example.COM", list = "news", name = "李雷" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var mail = await MailToAsync("Li.Lei@example.com");
        Assert.Equal("请确认订阅「政务要闻」", mail.Subject);
        // The name came from whoever filled in the form: the confirmation mail repeats it nowhere.
        Assert.Equal("", mail.To.Mailboxes.Single().Name);
        Assert.DoesNotContain("李雷", mail.TextBody);
        Assert.DoesNotContain("李雷", mail.HtmlBody);
        Assert.Contains("确认订阅", mail.HtmlBody);
        Assert.DoesNotMatch(@"&#x[4-9A-F][0-9A-F]{3};", mail.HtmlBody!); // Chinese as characters
        Assert.Contains("style=\"", mail.HtmlBody); // CSS inlined
        string token = TokenIn(mail, "confirm");
        Assert.Equal("unconfirmed", await StatusOfAsync("Li.Lei@example.com"));

        // Mail scanners open links: a GET shows a button and changes nothing.
        var page = await _client.GetAsync($"/confirm/{token}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains($"<form method=\"post\" action=\"/confirm/{token}\">", html);
        Assert.Equal("unconfirmed", await StatusOfAsync("Li.Lei@example.com"));

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/confirm/{token}", null)).StatusCode);
        Assert.Equal("confirmed", await StatusOfAsync("Li.Lei@example.com"));
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/confirm/{token}", null)).StatusCode); // idempotent
    }

    [Fact]
    public async Task ATamperedTokenGets404AndChangesNothing()
    {
        await _client.PostAsJsonAsync("/subscribe", new { email = "han@example.org", list = "news" });
        string token = TokenIn(await MailToAsync("han@example.org"), "confirm");
        string tampered = token[..^2] + (token[^2] == 'A' ? "BB" : "AA");

        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/confirm/{tampered}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync($"/confirm/{tampered}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync($"/unsubscribe/{token}", null)).StatusCode); // a confirm token is not an unsubscribe token
        Assert.Equal("unconfirmed", await StatusOfAsync("han@example.org"));
    }

    [Fact]
    public async Task SubscribingAgainWhileUnconfirmedResendsAtMostOnceAnHour()
    {
        await _client.PostAsJsonAsync("/subscribe", new { email = "mei@example.org", list = "news" });
        await MailToAsync("mei@example.org");
        var again = await _client.PostAsync("/subscribe", new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = "mei@example.org", ["list"] = "news" }));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("text/html", again.Content.Headers.ContentType!.MediaType); // a form gets a page
        await Task.Delay(1500);
        Assert.Single(_smtp.Received, m => m.To.Mailboxes.Any(b => b.Address == "mei@example.org"));
    }

    [Fact]
    public async Task OneClickUnsubscribeWorksOnceAndStaysDone()
    {
        var add = await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "wang@example.org", name = "王五", confirmed = true });
        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        Assert.Equal("confirmed", await StatusOfAsync("wang@example.org"));
        string token = await UnsubscribeTokenFor("wang@example.org");

        var page = await _client.GetAsync($"/unsubscribe/{token}");
        Assert.Contains($"action=\"/unsubscribe/{token}\"", await page.Content.ReadAsStringAsync());
        Assert.Equal("confirmed", await StatusOfAsync("wang@example.org"));

        var oneClick = new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" });
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/unsubscribe/{token}", oneClick)).StatusCode);
        Assert.Equal("unsubscribed", await StatusOfAsync("wang@example.org"));
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/unsubscribe/{token}", null)).StatusCode);
        Assert.Equal("unsubscribed", await StatusOfAsync("wang@example.org"));

        // An admin cannot quietly put them back; an import neither.
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "wang@example.org", confirmed = true })).StatusCode);
        var import = await _admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent("email,name\nwang@example.org,王五\n"));
        Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());
        var report = await import.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, report.GetProperty("refused").GetInt32());
        Assert.Equal("unsubscribed", await StatusOfAsync("wang@example.org"));
    }

    [Fact]
    public async Task TheFormNeverRenamesAnExistingMemberAndItsConfirmationMailEchoesNoName()
    {
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "zhao@example.org" })).StatusCode);
        await MailToAsync("zhao@example.org");
        const string spam = "WINNER! claim your prize at http://prize.example";
        var other = await _admin.PostAsJsonAsync("/api/lists", new { name = "weekly", description = "每周" });
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsJsonAsync("/subscribe", new { email = "zhao@example.org", list = "weekly", name = spam })).StatusCode);
        var mail = await MailToAsync("zhao@example.org", nth: 2);
        Assert.DoesNotContain("WINNER", mail.ToString());

        using var scope = _factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Publisher.Data.PublisherDbContext>();
        Assert.Null(db.Subscribers.Single(s => s.Email == "zhao@example.org").Name);
    }

    [Fact]
    public async Task AStrangerCannotUndoAnUnsubscribeOnASingleOptInListOnlyThePersonsConfirmationCan()
    {
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/lists/news", new { optIn = "single" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "qian@example.org", confirmed = true })).StatusCode);
        string token = await UnsubscribeTokenFor("qian@example.org");
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/unsubscribe/{token}", null)).StatusCode);

        // A cross-site form post in someone else's name.
        var again = await _client.PostAsync("/subscribe", new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = "qian@example.org", ["list"] = "news" }));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.NotEqual("confirmed", await StatusOfAsync("qian@example.org"));
        var mail = await MailToAsync("qian@example.org");
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/confirm/{TokenIn(mail, "confirm")}", null)).StatusCode);
        Assert.Equal("confirmed", await StatusOfAsync("qian@example.org"));
    }

    [Fact]
    public async Task TwoHundredConcurrentSubscribesForOneNewAddressGiveNo5xxAndOneConfirmationMail()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ =>
            _client.PostAsJsonAsync("/subscribe", new { email = "sun@example.org", list = "news" })));
        Assert.All(answers, a => Assert.True((int)a.StatusCode < 500, $"{(int)a.StatusCode} {a.Content.ReadAsStringAsync().Result}"));
        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.Accepted);
        await MailToAsync("sun@example.org");
        await Task.Delay(1000); // a second mail would be on its way by now
        Assert.Single(_smtp.Received, m => m.To.Mailboxes.Any(b => b.Address == "sun@example.org"));
    }

    private async Task<string> UnsubscribeTokenFor(string email)
    {
        // Digests carry the unsubscribe link; until they exist, mint the token the way they will.
        using var scope = _factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Publisher.Data.PublisherDbContext>();
        int id = db.Memberships.Single(m => m.Subscriber.Email == email).Id;
        return scope.ServiceProvider.GetRequiredService<Publisher.Subscribers.SubscriberTokens>().Create(Publisher.Subscribers.TokenPurpose.Unsubscribe, id);
    }

    [Theory]
    [InlineData("{\"email\":\"not-an-address\",\"list\":\"news\"}", "email")]
    [InlineData("{\"email\":\"a@example.org\",\"list\":\"news\",\"name\":\"a\\r\\nBcc: victim@example.org\"}", "name")]
    [InlineData("{\"email\":\"a@example.org\"}", "list")]
    public async Task BadSubscriptionsGet400NamingTheFieldAndStoreNothing(string json, string field)
    {
        var response = await _client.PostAsync("/subscribe", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
        var lists = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news");
        Assert.Equal(0, lists.GetProperty("counts").GetProperty("unconfirmed").GetInt32());
        await Task.Delay(300);
        Assert.Empty(_smtp.Received);
    }

    [Fact]
    public async Task AnUnknownListGets404()
    {
        var response = await _client.PostAsJsonAsync("/subscribe", new { email = "a@example.org", list = "nope" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task TheHomePageOffersASubscribeFormThatPostsToSubscribe()
    {
        string home = await _client.GetStringAsync("/");
        Assert.Contains("<form class=\"subscribe\" method=\"post\" action=\"/subscribe\">", home);
        Assert.Contains("name=\"list\" value=\"news\"", home);

        var response = await _client.PostAsync("/subscribe", new FormUrlEncodedContent(new Dictionary<string, string>
            { ["list"] = "news", ["email"] = "form@example.org", ["name"] = "表单" }));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("请查收邮件", await response.Content.ReadAsStringAsync());
        Assert.Equal("", (await MailToAsync("form@example.org")).To.Mailboxes.Single().Name); // the mail names no one (whoever typed the name may not own the address)
    }
}
