using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Publisher.Data;
using Publisher.Digests;
using Publisher.Hosting;
using Publisher.Tests.Support;

namespace Publisher.Tests.Digests;

/// <summary>Digests made and sent through the real host, to a real SMTP server.</summary>
[Trait("Db", "Both")]
public sealed class DigestSendTests : IAsyncLifetime
{
    private readonly TempSite _site = new();
    private readonly TestSmtpServer _smtp = new();
    private PublisherFactory _factory = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        var settings = _site.Settings();
        foreach (var (k, v) in _smtp.Settings(maxConnections: 4)) settings[k] = v;
        _factory = new PublisherFactory(settings);
        _admin = _factory.CreateAdminClient();
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news", description = "政务要闻" })).StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
        _site.Dispose();
    }

    private async Task PostArticlesAsync(int count, string prefix = "文章")
    {
        for (int i = 1; i <= count; i++)
        {
            var response = await _admin.PostAsJsonAsync("/api/articles", new
            {
                slug = $"{prefix}-{i}", title = $"{prefix}第{i}篇：关于做好冬季供暖保障工作的通知", publishedAt = $"2026-11-{(i % 27) + 1:00} 09:00",
                category = i % 2 == 0 ? "通知公告" : "人民监督",
                contentText = string.Concat(Enumerable.Repeat("为切实做好今冬明春供暖保障工作，确保群众温暖过冬，现将有关事项通知如下。", 12)),
            });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    private async Task AddMembersAsync(int count, bool confirmed = true, string prefix = "reader")
    {
        var csv = "email,name\n" + string.Join('\n', Enumerable.Range(1, count).Select(i => $"{prefix}{i}@example.org,读者{i}"));
        var response = await _admin.PostAsync($"/api/lists/news/subscribers/import{(confirmed ? "?confirmed=true" : "")}", new StringContent(csv));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnArticleThatHoldsTheOldPlaceholdersIsMailedAsWrittenNotFilledWithTheReadersOwnLink()
    {
        const string trap = "点击 %%PUBLISHER_UNSUBSCRIBE_URL%% 领奖 %%PUBLISHER_NAME%%";
        var posted = await _admin.PostAsJsonAsync("/api/articles", new { slug = "trap", title = trap, publishedAt = "2026-11-20 09:00", contentText = trap });
        Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());
        await AddMembersAsync(2);

        await DigestApi.SendNowAsync(_admin);
        var mail = _smtp.Received.Single(m => m.To.Mailboxes.Single().Address == "reader1@example.org");
        Assert.Contains(trap, mail.TextBody);
        Assert.Contains("%%PUBLISHER_UNSUBSCRIBE_URL%%", mail.HtmlBody);
        // The reader's own link (and name) appear where the template put them, and only there.
        Assert.Single(Regex.Matches(mail.TextBody!, "/unsubscribe/"));
        Assert.DoesNotContain("%%PUBLISHER_NAME_", mail.TextBody);
        Assert.Contains("读者1", mail.TextBody);
    }

    [Fact]
    public async Task EachConfirmedMemberGetsOneDigestWithListHeadersAndTheirOwnUnsubscribeLink()
    {
        await PostArticlesAsync(3);
        await AddMembersAsync(3);
        await _admin.PostAsJsonAsync("/api/lists/news/subscribers", new { email = "waiting@example.org" }); // unconfirmed: no digest

        var digest = (await DigestApi.SendNowAsync(_admin))!.Value;
        Assert.Equal(3, digest.GetProperty("counts").GetProperty("sent").GetInt32());
        Assert.Equal(0, digest.GetProperty("counts").GetProperty("pending").GetInt32());
        Assert.Equal(3, digest.GetProperty("articles").GetArrayLength());

        var digests = _smtp.Received.Where(m => m.Headers[HeaderId.ListId] is not null).ToList();
        Assert.Equal(3, digests.Count);
        Assert.Equal(3, digests.Select(m => m.To.Mailboxes.Single().Address).Distinct().Count());
        var mail = digests.Single(m => m.To.Mailboxes.Single().Address == "reader2@example.org");
        int id = digest.GetProperty("id").GetInt32();
        Assert.Matches($@"^digest-{id}\.subscriber-\d+@feeds\.example\.test$", mail.MessageId);
        Assert.Contains("<news.feeds.example.test>", mail.Headers[HeaderId.ListId]);
        Assert.Equal("List-Unsubscribe=One-Click", mail.Headers["List-Unsubscribe-Post"]);
        var unsubscribe = Regex.Match(mail.Headers[HeaderId.ListUnsubscribe] ?? "", @"^<http://feeds\.example\.test(/unsubscribe/[A-Za-z0-9_-]+)>$");
        Assert.True(unsubscribe.Success, mail.Headers[HeaderId.ListUnsubscribe]);
        Assert.StartsWith("政务要闻｜", mail.Subject);
        Assert.Contains("读者2，您好", mail.TextBody);
        Assert.Contains("读者2，您好", mail.HtmlBody);
        Assert.Contains("文章第1篇", mail.HtmlBody);
        Assert.Contains("href=\"http://feeds.example.test/articles/", mail.HtmlBody);
        Assert.Contains(unsubscribe.Groups[1].Value, mail.HtmlBody);
        Assert.Contains(unsubscribe.Groups[1].Value, mail.TextBody);
        Assert.DoesNotContain("%%PUBLISHER", mail.HtmlBody + mail.TextBody);
        Assert.DoesNotMatch(@"&#x[4-9A-F][0-9A-F]{3};", mail.HtmlBody!);
        // Lines fit 72 columns (a Chinese character takes two); only a bare URL may be longer, never broken.
        Assert.All(mail.TextBody!.Split('\n'), line => Assert.True(TextWidth(line) <= 72 || Regex.IsMatch(line, @"^\s*https?://\S+$"), line));

        // The one-click link in the header works for that member only.
        var client = _factory.CreateClient();
        var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(unsubscribe.Groups[1].Value, form)).StatusCode);
        var members = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers?status=unsubscribed");
        Assert.Equal("reader2@example.org", members.GetProperty("items").EnumerateArray().Single().GetProperty("email").GetString());
    }

    private static int TextWidth(string line) => line.Sum(c => c >= 0x2E80 ? 2 : 1);

    [Fact]
    public async Task ARunWithNothingNewSendsNothingAndARepeatSendsNoSecondCopy()
    {
        Assert.Null(await DigestApi.SendNowAsync(_admin)); // no articles yet
        await PostArticlesAsync(2);
        await AddMembersAsync(5);
        Assert.NotNull(await DigestApi.SendNowAsync(_admin));
        Assert.Null(await DigestApi.SendNowAsync(_admin));
        Assert.Equal(5, _smtp.Received.Count);

        // New articles make a new digest with only them.
        await PostArticlesAsync(1, "新");
        var second = (await DigestApi.SendNowAsync(_admin))!.Value;
        Assert.Single(second.GetProperty("articles").EnumerateArray());
        Assert.Equal(10, _smtp.Received.Count);
        Assert.Equal(2, (await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/digests")).GetArrayLength());
    }

    [Fact]
    public async Task AnArticleCommittedAfterADigestWasMadeButStampedBeforeItsEndIsInTheNextDigestAndNothingComesTwice()
    {
        await AddMembersAsync(1);
        await PostArticlesAsync(1, "甲");
        using var scope = _factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        var planner = scope.ServiceProvider.GetRequiredService<DigestPlanner>();
        var list = db.Lists.Single(l => l.Name == "news");
        var first = (await planner.CreateAsync(list))!;

        // An ingest transaction stamps CreatedUtc before it commits: this one stamped before the first digest
        // was made and became visible after it.
        await PostArticlesAsync(1, "乙");
        await db.Articles.Where(a => a.Slug == "乙-1").ExecuteUpdateAsync(a => a.SetProperty(x => x.CreatedUtc, first.PeriodEndUtc.AddSeconds(-1)));
        await PostArticlesAsync(1, "丙");

        var second = (await planner.CreateAsync(list))!;
        var slugs = db.Articles.Where(a => second.ArticleIdList.Contains(a.Id)).Select(a => a.Slug).OrderBy(x => x).ToList();
        Assert.Equal(["丙-1", "乙-1"], slugs);
        Assert.Null(await planner.CreateAsync(list));
    }

    [Fact]
    public async Task ADigestShowsThirtyArticlesCountsTheRestInTheMailAndNoneOfThemComesAgain()
    {
        await PostArticlesAsync(33);
        await AddMembersAsync(1);
        var digest = (await DigestApi.SendNowAsync(_admin))!.Value;
        Assert.Equal(30, digest.GetProperty("articles").GetArrayLength());
        Assert.Equal(3, digest.GetProperty("moreArticles").GetInt32());
        var mail = _smtp.Received.Single();
        Assert.Contains("另有3篇文章", mail.TextBody);
        Assert.Contains("另有3篇文章", mail.HtmlBody);

        await PostArticlesAsync(1, "新");
        var next = (await DigestApi.SendNowAsync(_admin))!.Value;
        Assert.Single(next.GetProperty("articles").EnumerateArray());
        Assert.Equal(0, next.GetProperty("moreArticles").GetInt32());
    }

    [Fact]
    public async Task HostileHtmlInAnArticleNeverReachesTheMail()
    {
        var response = await _admin.PostAsJsonAsync("/api/articles", new
        {
            slug = "hostile", title = "<script>alert('标题')</script>通知", publishedAt = "2026-11-27 09:00", category = "通知公告",
            summary = "<img src=x onerror=alert(1)>摘要<iframe src=\"https://evil.example\"></iframe>",
            contentHtml = "<p onclick=\"steal()\">正文</p><script>document.cookie</script><a href=\"javascript:alert(1)\">链接</a>",
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await AddMembersAsync(2);
        Assert.NotNull(await DigestApi.SendNowAsync(_admin));

        Assert.Equal(2, _smtp.Received.Count);
        foreach (var mail in _smtp.Received)
        {
            string html = mail.HtmlBody!;
            foreach (var bad in new[] { "<script", "<img", "<iframe", "javascript:", "evil.example" })
                Assert.DoesNotContain(bad, html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch(@"<[^>]*\son\w+\s*=", html); // no event handler on any element
            Assert.Contains("&lt;script&gt;", html); // the title is shown as text, not run
            Assert.Contains("摘要", html); // the summary's text survives, its markup does not
            Assert.DoesNotContain("onerror", mail.TextBody!); // the summary's markup is gone; the title is plain text there
        }
    }

    [Fact]
    public async Task ANameFullOfControlCharactersIsRefusedAndOneThatGotInAnywayNeverReachesAHeader()
    {
        var refused = await _admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true",
            new StringContent("email,name\nbad@example.org,\"读\u0007者\u001b\"\ngood@example.org,好读者\n"));
        var report = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("control characters", report.ToString());

        await AddMembersAsync(2);
        using (var scope = _factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            await db.Subscribers.Where(x => x.Email == "reader1@example.org")
                // PostgreSQL refuses NUL in text outright, so there it cannot get in at all; the rest can.
                .ExecuteUpdateAsync(x => x.SetProperty(v => v.Name, TestDatabase.IsPostgres ? "读者\r\nBcc: victim@example.org\u0007" : "读\u0000者\r\nBcc: victim@example.org\u0007"));
        }
        await PostArticlesAsync(1);
        Assert.NotNull(await DigestApi.SendNowAsync(_admin));

        Assert.Equal(3, _smtp.Received.Count); // good@, reader1@ and reader2@
        var mail = _smtp.Received.Single(m => m.To.Mailboxes.Single().Address == "reader1@example.org");
        Assert.Empty(mail.Bcc);
        Assert.DoesNotContain(mail.Headers, h => h.Field.Equals("Bcc", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("读者 Bcc: victim@example.org", mail.To.Mailboxes.Single().Name); // the line break is a space now
        Assert.Contains("读者 Bcc: victim@example.org，您好", mail.TextBody);
        Assert.DoesNotContain(mail.TextBody!, c => c is '\0' or '\a');
    }

    [Fact]
    public async Task AListWithNoConfirmedMemberMakesNoDigestAndKeepsItsArticlesForLater()
    {
        await PostArticlesAsync(2);
        await AddMembersAsync(3, confirmed: false);
        Assert.Null(await DigestApi.SendNowAsync(_admin));
        Assert.DoesNotContain(_smtp.Received, m => m.MessageId?.StartsWith("digest-") == true); // confirmation requests only
        Assert.Equal(0, (await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/digests")).GetArrayLength());

        // Once someone is confirmed, they get the articles that were waiting.
        await AddMembersAsync(1, prefix: "confirmed");
        var digest = (await DigestApi.SendNowAsync(_admin))!.Value;
        Assert.Equal(2, digest.GetProperty("articles").GetArrayLength());
    }

    [Fact]
    public async Task ADeliveryThatCannotBeComposedFailsAloneAndShowsOnTheDashboard()
    {
        await PostArticlesAsync(1);
        await AddMembersAsync(3);
        using var scope = _factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        // An address that slipped past the checks (written by hand into the database): MimeKit will not take it.
        await db.Subscribers.Where(x => x.Email == "reader2@example.org").ExecuteUpdateAsync(x => x.SetProperty(v => v.Email, "reader2 at example"));
        int digestId = (await scope.ServiceProvider.GetRequiredService<DigestPlanner>().CreateAsync(db.Lists.Single(l => l.Name == "news")))!.Id;

        await scope.ServiceProvider.GetRequiredService<DigestJobs>().SendBatchAsync(digestId, CancellationToken.None);

        Assert.Equal(["reader1@example.org", "reader3@example.org"], _smtp.Received.Select(m => m.To.Mailboxes.Single().Address).Order());
        var failed = db.Deliveries.AsNoTracking().Single(d => d.DigestId == digestId && d.State == DeliveryState.Failed);
        Assert.StartsWith(DigestSender.NotComposed, failed.LastReply);
        var monitoring = _factory.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        await Eventually.HoldsAsync(() => Task.FromResult(monitoring.FailedJobs(0, 10).Any(j => j.Value.ExceptionMessage?.Contains("reader2 at example") == true)),
            TimeSpan.FromSeconds(20), "a failed job on the dashboard naming the delivery that could not be composed");
    }

    [Fact]
    public async Task ADeadProcesssRowsAreTakenBackPendingOrUnknownAndALiveProcessKeepsItsOwnWhateverItsPid()
    {
        await PostArticlesAsync(1);
        await AddMembersAsync(120);
        using var scope = _factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        int digestId = (await scope.ServiceProvider.GetRequiredService<DigestPlanner>().CreateAsync(db.Lists.Single(l => l.Name == "news")))!.Id;
        var ids = db.Deliveries.Where(d => d.DigestId == digestId).OrderBy(d => d.Id).Select(d => d.Id).ToList();
        var now = DateTime.UtcNow;
        // A process that stopped renewing long ago had claimed the first three rows and was handing the last three over.
        // Another container's process, alive, has this machine's name and a PID that does not exist here; it holds the
        // next two. Claims by machine name and PID would take its rows as a dead local process's.
        var dead = new HostProcess { Id = "gone:1:0123", Machine = "gone", ProcessId = 1, StartedUtc = now.AddHours(-1), SeenUtc = now.AddMinutes(-5) };
        // Its identity names this kernel but another PID namespace (another container), where PID 999999 may well run.
        var here = LocalProcess.Instance!.Split('/');
        var alive = new HostProcess
        {
            Id = $"{Environment.MachineName}:999999:4567", Machine = Environment.MachineName, ProcessId = 999999, StartedUtc = now, SeenUtc = now,
            Instance = $"{here[0]}/pid:[4026531999]/999999/12345",
        };
        db.HostProcesses.AddRange(dead, alive);
        await db.SaveChangesAsync();
        var claimedOnly = ids.Take(3).ToList();
        var handingOver = ids.TakeLast(3).ToList();
        var live = ids.Skip(3).Take(2).ToList();
        await db.Deliveries.Where(d => claimedOnly.Contains(d.Id)).ExecuteUpdateAsync(d => d
            .SetProperty(x => x.State, DeliveryState.Sending).SetProperty(x => x.ClaimedBy, dead.Id + "#a").SetProperty(x => x.ClaimedUtc, now));
        await db.Deliveries.Where(d => handingOver.Contains(d.Id)).ExecuteUpdateAsync(d => d
            .SetProperty(x => x.State, DeliveryState.Submitting).SetProperty(x => x.ClaimedBy, dead.Id + "#a").SetProperty(x => x.ClaimedUtc, now));
        await db.Deliveries.Where(d => live.Contains(d.Id)).ExecuteUpdateAsync(d => d
            .SetProperty(x => x.State, DeliveryState.Sending).SetProperty(x => x.ClaimedBy, alive.Id + "#b").SetProperty(x => x.ClaimedUtc, now));

        await _factory.Services.GetRequiredService<DigestResumer>().RunOnceAsync();
        var outcome = await _factory.Services.GetRequiredService<DigestSender>().SendAsync(digestId, "http://feeds.example.test");

        Assert.Equal(115, outcome.Sent);
        Assert.Equal(115, _smtp.Received.Select(m => m.MessageId).Distinct().Count());
        var rows = db.Deliveries.AsNoTracking().Where(d => d.DigestId == digestId).ToDictionary(d => d.Id);
        Assert.All(claimedOnly, id => Assert.Equal(DeliveryState.Sent, rows[id].State));
        Assert.All(handingOver, id => Assert.Equal(DeliveryState.Unknown, rows[id].State)); // the server may have them: not resent
        Assert.All(handingOver, id => Assert.Contains("stopped while handing it to the server", rows[id].LastReply));
        Assert.All(live, id => Assert.Equal((DeliveryState.Sending, alive.Id + "#b"), (rows[id].State, rows[id].ClaimedBy)));
        Assert.False(db.HostProcesses.Any(p => p.Id == dead.Id));
    }

    [Fact]
    public async Task RunsRacingToMakeTheSameDigestMakeOne()
    {
        await PostArticlesAsync(3);
        await AddMembersAsync(20);
        // Ten planners at once, as the schedule and "digest send" (and retries) could be: each gets the one digest or
        // finds nothing new, and there is one digest with one ledger row per member.
        var made = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(async () =>
        {
            using var scope = _factory.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            return (await scope.ServiceProvider.GetRequiredService<DigestPlanner>().CreateAsync(db.Lists.Single(l => l.Name == "news")))?.Id;
        })));
        using var check = _factory.Services.CreateScope();
        var db = check.ServiceProvider.GetRequiredService<PublisherDbContext>();
        int id = Assert.Single(db.Digests.Select(d => d.Id).ToList());
        Assert.All(made, m => Assert.True(m is null || m == id));
        Assert.Equal(20, db.Deliveries.Count(d => d.DigestId == id));
    }

    [Fact]
    public async Task DigestIsSentOncePerSubscriberWhenTwoSendersWorkTheSameLedger()
    {
        await PostArticlesAsync(2);
        await AddMembersAsync(300);
        int digestId;
        using (var scope = _factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            var list = db.Lists.Single(l => l.Name == "news");
            digestId = (await scope.ServiceProvider.GetRequiredService<DigestPlanner>().CreateAsync(list))!.Id;
        }
        var sender = _factory.Services.GetRequiredService<DigestSender>();
        // Two runs at once (as the schedule and a CLI verb would be): 2 × 4 workers claiming from one ledger.
        var results = await Task.WhenAll(sender.SendAsync(digestId, "http://feeds.example.test"), sender.SendAsync(digestId, "http://feeds.example.test"));

        Assert.Equal(300, results.Sum(r => r.Sent));
        Assert.Equal(300, _smtp.Received.Count);
        Assert.Equal(300, _smtp.Received.Select(m => m.MessageId).Distinct().Count());
        // A third run finds nothing to send.
        Assert.Equal(0, (await sender.SendAsync(digestId, "http://feeds.example.test")).Sent);
    }

    [Fact]
    public async Task RefusedAddressesAreFailedWithTheReplyAndBouncedAfterThreeDigests()
    {
        await AddMembersAsync(3);
        _smtp.Refused["reader3@example.org"] = true;
        for (int round = 1; round <= 3; round++)
        {
            await PostArticlesAsync(1, $"第{round}轮");
            var digest = (await DigestApi.SendNowAsync(_admin))!.Value;
            var counts = digest.GetProperty("counts");
            Assert.Equal(2, counts.GetProperty("sent").GetInt32());
            Assert.Equal(1, counts.GetProperty("failed").GetInt32());
        }
        var bounced = await _admin.GetFromJsonAsync<JsonElement>("/api/lists/news/subscribers?status=bounced");
        Assert.Equal("reader3@example.org", bounced.GetProperty("items").EnumerateArray().Single().GetProperty("email").GetString());
        using var scope = _factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        Assert.All(db.Deliveries.Where(d => d.State == DeliveryState.Failed).ToList(), d => Assert.StartsWith("550", d.LastReply));

        // A bounced member gets no more digests.
        await PostArticlesAsync(1, "第4轮");
        var fourth = (await DigestApi.SendNowAsync(_admin))!.Value;
        Assert.Equal(2, fourth.GetProperty("counts").GetProperty("sent").GetInt32());
        Assert.Equal(0, fourth.GetProperty("counts").GetProperty("failed").GetInt32());
    }

    [Fact]
    public async Task ThePreviewShowsTheNextDigestAndTwentyChineseArticlesStayUnderGmailsClippingSize()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/lists/news/digests/preview")).StatusCode);
        await PostArticlesAsync(20);
        var preview = await _admin.GetAsync("/api/lists/news/digests/preview");
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal("text/html", preview.Content.Headers.ContentType!.MediaType);
        var bytes = await preview.Content.ReadAsByteArrayAsync();
        string html = System.Text.Encoding.UTF8.GetString(bytes);
        for (int i = 1; i <= 20; i++) Assert.Contains($"文章第{i}篇", html);
        Assert.True(bytes.Length < 102 * 1024, $"{bytes.Length:N0} bytes");
        Assert.Contains("<table", html);
        Assert.Contains("style=\"", html);
        Assert.Empty(_smtp.Received); // a preview sends nothing
    }
}
