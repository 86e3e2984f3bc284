using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Publisher.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Publisher.Subscribers;

namespace Publisher.Tests.Subscribers;

/// <summary>The lists and subscribers admin API through the real host.</summary>
[Trait("Db", "Both")]
public sealed class AdminApiTests : IDisposable
{
    private readonly TempSite _site = new();
    private readonly PublisherFactory _factory;
    private readonly HttpClient _admin;

    static AdminApiTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public AdminApiTests()
    {
        _factory = new PublisherFactory(_site.Settings());
        _admin = _factory.CreateAdminClient();
    }

    public void Dispose()
    {
        _factory.Dispose();
        _site.Dispose();
    }

    private async Task CreateList(string name = "news", string optIn = "double")
    {
        var response = await _admin.PostAsJsonAsync("/api/lists", new { name, description = "要闻", schedule = "0 7 * * 1-5", timeZone = "Asia/Shanghai", categories = new[] { "人民监督" }, optIn });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task<JsonElement> ImportAsync(string list, byte[] csv, bool confirmed = false)
    {
        var response = await _admin.PostAsync($"/api/lists/{list}/subscribers/import{(confirmed ? "?confirmed=true" : "")}", new ByteArrayContent(csv));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Theory]
    [InlineData("GET", "/api/lists")]
    [InlineData("POST", "/api/lists")]
    [InlineData("GET", "/api/lists/news/subscribers")]
    [InlineData("POST", "/api/lists/news/subscribers/import")]
    [InlineData("GET", "/api/lists/news/subscribers/export")]
    [InlineData("DELETE", "/api/lists/news")]
    public async Task EveryAdminRouteNeedsTheKey(string method, string path)
    {
        await CreateList();
        var anonymous = _factory.CreateClient();
        var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}", Encoding.UTF8, "application/json") });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Single((await _admin.GetFromJsonAsync<JsonElement>("/api/lists")).EnumerateArray());
    }

    [Fact]
    public async Task ListsAreCreatedRenamedAndDeleted()
    {
        await CreateList();
        var list = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news");
        Assert.Equal("0 7 * * 1-5", list.GetProperty("schedule").GetString());
        Assert.Equal("double", list.GetProperty("optIn").GetString());
        Assert.Equal("人民监督", list.GetProperty("categories")[0].GetString());

        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news" })).StatusCode);
        await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "a@example.org", confirmed = true });

        var renamed = await _admin.PutAsJsonAsync("/api/lists/news", new { name = "daily", optIn = "single" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/lists/news")).StatusCode);
        var daily = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/daily");
        Assert.Equal(1, daily.GetProperty("counts").GetProperty("confirmed").GetInt32());
        Assert.Equal("single", daily.GetProperty("optIn").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync("/api/lists/daily")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.DeleteAsync("/api/lists/daily")).StatusCode);
        Assert.Empty((await _admin.GetFromJsonAsync<JsonElement>("/api/lists")).EnumerateArray());
    }

    [Fact]
    public async Task AListsTitleIsGivenShownChangedAndChecked()
    {
        var created = await _admin.PostAsJsonAsync("/api/lists", new { name = "news", description = "要闻", title = "每日政务要闻" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("每日政务要闻", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.Equal("每日政务要闻", (await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news")).GetProperty("title").GetString());

        var changed = await _admin.PutAsJsonAsync("/api/lists/news", new { title = "政务周报" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var list = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news");
        Assert.Equal("政务周报", list.GetProperty("title").GetString());
        Assert.Equal("要闻", list.GetProperty("description").GetString());

        // It is the mail's subject and sender line: no line breaks, and short enough to read.
        foreach (var bad in new[] { "政务\r\nBcc: x@example.org", new string('长', 201) })
        {
            var refused = await _admin.PutAsJsonAsync("/api/lists/news", new { title = bad });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("title", out _));
        }
        Assert.Equal("政务周报", (await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news")).GetProperty("title").GetString());
    }

    [Fact]
    public async Task InvalidListsGet400NamingEachField()
    {
        var response = await _admin.PostAsJsonAsync("/api/lists", new { name = "bad name!", schedule = "61 * * * *", timeZone = "Mars/Base", optIn = "triple" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "name", "schedule", "timeZone", "optIn" }) Assert.True(errors.TryGetProperty(field, out _), field);
        Assert.Empty((await _admin.GetFromJsonAsync<JsonElement>("/api/lists")).EnumerateArray());
    }

    [Fact]
    public async Task SubscribersArePagedSearchedAndRemoved()
    {
        await CreateList();
        var rows = string.Join('\n', Enumerable.Range(1, 25).Select(i => $"user{i:00}@example.org,用户{i}"));
        await ImportAsync("news", Encoding.UTF8.GetBytes("email,name\n" + rows), confirmed: true);

        var page2 = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers?page=2&pageSize=10");
        Assert.Equal(25, page2.GetProperty("total").GetInt32());
        Assert.Equal(2, page2.GetProperty("page").GetInt32());
        Assert.Equal(10, page2.GetProperty("pageSize").GetInt32());
        var first = page2.GetProperty("items")[0];
        Assert.Equal("user11@example.org", first.GetProperty("email").GetString());
        Assert.Equal("用户11", first.GetProperty("name").GetString());
        Assert.Equal("confirmed", first.GetProperty("status").GetString());
        Assert.True(first.TryGetProperty("subscribedAt", out _));
        Assert.True(first.TryGetProperty("confirmedAt", out _));

        var search = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers?search=用户2");
        Assert.Equal(7, search.GetProperty("total").GetInt32()); // 用户2, 用户20..25

        // Removing keeps the record of the opt-out: the member becomes unsubscribed, and stays so.
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync("/api/lists/news/subscribers/user01@EXAMPLE.org")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync("/api/lists/news/subscribers/user01@example.org")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.DeleteAsync("/api/lists/news/subscribers/nobody@example.org")).StatusCode);
        Assert.Equal(24, (await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers?status=confirmed")).GetProperty("total").GetInt32());
        var removed = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers?status=unsubscribed");
        Assert.Equal("user01@example.org", removed.GetProperty("items")[0].GetProperty("email").GetString());
        var reimport = await ImportAsync("news", Encoding.UTF8.GetBytes("email\nuser01@example.org\n"), confirmed: true);
        Assert.Equal(1, reimport.GetProperty("refused").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/lists/nope/subscribers")).StatusCode);
    }

    [Fact]
    public async Task ImportLandsGoodRowsAndNamesEachBadOneWithItsLine()
    {
        await CreateList();
        string csv = "Email,Name,City\n" +
                     "ok1@example.org,张三,北京\n" +        // line 2
                     "not-an-address,李四,上海\n" +          // line 3
                     "ok2@Example.ORG,\"王, 五\",广州\n" +   // line 4
                     "ok1@example.org,张三again,北京\n" +    // line 5: duplicate of line 2
                     "ok3@example.org,\"多\n行\",深圳\n" +  // lines 6-7: name with a line break
                     "ok4@example.org,,\n";                // line 8
        var report = await ImportAsync("news", Encoding.UTF8.GetBytes(csv));

        Assert.Equal(6, report.GetProperty("rows").GetInt32());
        Assert.Equal(3, report.GetProperty("added").GetInt32());
        Assert.Equal(3, report.GetProperty("failed").GetInt32());
        var problems = report.GetProperty("problems").EnumerateArray().Select(p => (p.GetProperty("line").GetInt32(), p.GetProperty("reason").GetString()!)).ToList();
        Assert.Equal(3, problems[0].Item1);
        Assert.Contains("has no domain", problems[0].Item2);
        Assert.Equal((5, "duplicate of line 2"), problems[1]);
        Assert.Equal(6, problems[2].Item1);
        Assert.Contains("line break", problems[2].Item2);

        var export = await _admin.GetStringAsync("/api/lists/news/subscribers/export");
        var lines = export.Trim().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal("email,name,status,subscribed_at,confirmed_at", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("ok2@example.org,\"王, 五\",unconfirmed,"));
        Assert.Equal(4, lines.Count);

        // Importing the same file again changes nothing.
        var again = await ImportAsync("news", Encoding.UTF8.GetBytes(csv));
        Assert.Equal(0, again.GetProperty("added").GetInt32());
        Assert.Equal(3, again.GetProperty("unchanged").GetInt32());
        Assert.Equal(export, await _admin.GetStringAsync("/api/lists/news/subscribers/export"));
    }

    [Fact]
    public async Task Gb18030AndUtf8WithBomImportTheSameNames()
    {
        await CreateList();
        await ImportAsync("news", Encoding.GetEncoding("GB18030").GetBytes("email,name\ngbk@example.org,欧阳娜娜\n"), confirmed: true);
        await ImportAsync("news", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("email,name\nbom@example.org,司马光\n")], confirmed: true);
        var items = (await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers")).GetProperty("items").EnumerateArray()
            .ToDictionary(i => i.GetProperty("email").GetString()!, i => i.GetProperty("name").GetString());
        Assert.Equal("欧阳娜娜", items["gbk@example.org"]);
        Assert.Equal("司马光", items["bom@example.org"]);
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 0x6E, 0x61, 0x6D, 0x65, 0x0A, 0x78, 0x0A }, "no 'email' column")]
    [InlineData(new byte[] { 0x00, 0x01, 0x02, 0x03, 0xFF, 0xFE }, "binary")]
    public async Task UnusableFilesGet400AndStoreNothing(byte[] csv, string reason)
    {
        await CreateList();
        var response = await _admin.PostAsync("/api/lists/news/subscribers/import", new ByteArrayContent(csv));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(0, (await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task AnUnbalancedQuoteIsReportedAndTheRowsBeforeItLand()
    {
        await CreateList();
        var report = await ImportAsync("news", Encoding.UTF8.GetBytes("email,name\ngood@example.org,甲\nbad@example.org,\"乙\ngood2@example.org,丙\n"), confirmed: true);
        Assert.Equal(1, report.GetProperty("added").GetInt32());
        var problem = report.GetProperty("problems")[0];
        Assert.Contains("quote", problem.GetProperty("reason").GetString());
        Assert.Equal(1, (await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task AddingASubscriberValidatesTheAddressAndTheName()
    {
        await CreateList();
        var bad = await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "x@y", name = "a\r\nBcc: z@example.org" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("email", out _));
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsJsonAsync("/api/lists/nope/subscribers", new { email = "a@example.org" })).StatusCode);
        Assert.Equal(0, (await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ExportedNamesNeverBecomeSpreadsheetFormulas()
    {
        await CreateList();
        await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "evil@example.org", name = "=HYPERLINK(\"http://evil\")", confirmed = true });
        string export = await _admin.GetStringAsync("/api/lists/news/subscribers/export");
        Assert.DoesNotContain(",=HYPERLINK", export);
        Assert.DoesNotContain(",\"=HYPERLINK", export);
    }

    [Fact]
    public async Task AnExportImportsBackAsTheSameMembersFormulaEscapesAndAll()
    {
        await CreateList();
        await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "=1+2@b.com", name = "=SUM(A1)", confirmed = true });
        await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "plain@example.org", name = "-王五", confirmed = true });
        string export = await _admin.GetStringAsync("/api/lists/news/subscribers/export");
        Assert.Contains("'=1+2@b.com", export); // still no formula in a spreadsheet

        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "copy" })).StatusCode);
        var report = await ImportAsync("copy", Encoding.UTF8.GetBytes(export));
        Assert.Equal(0, report.GetProperty("failed").GetInt32());
        var members = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/copy/subscribers");
        var pairs = members.GetProperty("items").EnumerateArray().Select(m => (m.GetProperty("email").GetString(), m.GetProperty("name").GetString())).OrderBy(p => p.Item1).ToList();
        Assert.Equal([("=1+2@b.com", "=SUM(A1)"), ("plain@example.org", "-王五")], pairs);
        // The same two people, not new subscribers made from the escaped addresses.
        using var scope = _factory.Services.CreateScope();
        Assert.Equal(2, scope.ServiceProvider.GetRequiredService<Publisher.Data.PublisherDbContext>().Subscribers.Count());
    }

    [Fact]
    public async Task HugePagesUnknownStatusesAndOversizeChunkedImportsGetClearAnswers()
    {
        await CreateList();
        await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "one@example.org", confirmed = true });
        var far = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers?page=2147483647&pageSize=1000");
        Assert.Equal(0, far.GetProperty("items").GetArrayLength()); // past the end: empty, not page 1 again
        Assert.Equal(1, far.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.GetAsync("/api/lists/news/subscribers?status=99")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.GetAsync("/api/lists/news/subscribers?status=1")).StatusCode);

        // Chunked (no Content-Length), a little over the limit.
        var body = new StreamContent(new RepeatingCsv(SubscribersApi.MaxImportBytes + 100_000));
        body.Headers.ContentType = new("text/csv");
        var response = await _admin.PostAsync("/api/lists/news/subscribers/import", body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(1, (await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task AListWhoseMembersOptedOutIsNotDeletedWithTheirOptOuts()
    {
        await CreateList();
        await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "left@example.org", confirmed = true });
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync("/api/lists/news/subscribers/left@example.org")).StatusCode);
        var refused = await _admin.DeleteAsync("/api/lists/news");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("unsubscribed", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync("/api/lists/news")).StatusCode);
    }

    /// <summary>A stream of CSV rows of a given length that reports no length (so the upload is chunked).</summary>
    private sealed class RepeatingCsv(long length) : Stream
    {
        private static readonly byte[] Row = Encoding.ASCII.GetBytes("someone@example.org,name\n");
        private long _position;
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - _position);
            for (int i = 0; i < n; i++) buffer[offset + i] = Row[(_position + i) % Row.Length];
            _position += n;
            return n;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task LineNumbersCountBlankLines()
    {
        await CreateList();
        var report = await ImportAsync("news", Encoding.UTF8.GetBytes("email,name\n\nok@example.org,甲\n\n\nbad,乙\n"));
        Assert.Equal(6, report.GetProperty("problems")[0].GetProperty("line").GetInt32());
    }
}
