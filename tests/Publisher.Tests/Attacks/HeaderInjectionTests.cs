using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Publisher.Data;
using Publisher.Tests.Support;

namespace Publisher.Tests.Attacks;

/// <summary>
/// Header injection, judged on the bytes the SMTP server got: whatever a list's description, an article's title or a
/// member's name holds (a line break and a <c>Bcc:</c>, an encoded word that decodes to one, Unicode line separators),
/// every mail has exactly the headers we set, one recipient in <c>To</c> and in the envelope, and nobody else gets it.
/// Names that reached the database without the API's checks (an old import, a hand edit) are the worst case.
/// </summary>
public sealed class HeaderInjectionTests : IAsyncLifetime
{
    private const string Evil = "evil@attacker.example";
    private static readonly string[] Payloads =
    [
        $"Bob\r\nBcc: {Evil}",
        $"Bob\nBcc: {Evil}",
        $"Bob\rBcc: {Evil}",
        "=?utf-8?b?" + Convert.ToBase64String(Encoding.UTF8.GetBytes($"Bob\r\nBcc: {Evil}")) + "?=",
        $"Bob\u2028Bcc: {Evil}",
        $"Bob\u0085Bcc: {Evil}",
        $"\"Bob\" <{Evil}>, Carol",
        $"Bob\r\n\r\n<script>alert(1)</script>",
    ];

    private readonly TempSite _site = new();
    private readonly FaultySmtpServer _smtp = new();
    private PublisherFactory _factory = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        var settings = _site.Settings(_smtp.Settings());
        _factory = new PublisherFactory(settings);
        _admin = _factory.CreateAdminClient();
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _smtp.DisposeAsync();
        _site.Dispose();
    }

    [Fact]
    public async Task NoNameTitleOrDescriptionAddsAHeaderOrARecipient()
    {
        // A list whose description (its name in mail, having no title) carries a header.
        var created = await _admin.PostAsJsonAsync("/api/lists", new { name = "news", description = $"要闻\r\nBcc: {Evil}", optIn = "single" });
        Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.BadRequest, await created.Content.ReadAsStringAsync());
        if (created.StatusCode == HttpStatusCode.BadRequest)
            Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news", optIn = "single" })).StatusCode);

        // An article whose title carries one (the subject quotes the first title).
        var article = await _admin.PostAsJsonAsync("/api/articles", new
        {
            title = $"通知\r\nBcc: {Evil}\u2028Cc: {Evil}", contentHtml = "<p>正文。</p>", publishedAt = "2026-12-01T09:00:00+08:00", category = "通知公告",
        });
        Assert.True(article.IsSuccessStatusCode || article.StatusCode == HttpStatusCode.BadRequest, await article.Content.ReadAsStringAsync());
        if (!article.IsSuccessStatusCode)
            Assert.True((await _admin.PostAsJsonAsync("/api/articles", new { title = "通知", contentHtml = "<p>正文。</p>", publishedAt = "2026-12-01T09:00:00+08:00" })).IsSuccessStatusCode);

        // Members with every payload as their name, written straight into the database.
        var members = Payloads.Select((_, i) => $"member{i}@example.org").ToList();
        var import = await _admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true",
            new StringContent("email\n" + string.Join("\n", members) + "\n"));
        Assert.True(import.IsSuccessStatusCode);
        using (var scope = _factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            for (int i = 0; i < Payloads.Length; i++)
            {
                string key = members[i];
                await db.Subscribers.Where(s => s.EmailKey == key).ExecuteUpdateAsync(s => s.SetProperty(x => x.Name, Payloads[i]));
            }
        }

        var digest = await DigestApi.SendNowAsync(_admin);
        Assert.NotNull(digest);
        Assert.Equal(members.Count, DigestApi.Count(digest.Value, "sent"));

        Assert.Equal(members.OrderBy(m => m), _smtp.Delivered.Select(d => d.Recipient).OrderBy(r => r));
        foreach (var delivery in _smtp.Delivered)
        {
            string head = HeaderBlock(delivery.Data);
            // The list's id is one phrase (words: atoms, quoted strings, encoded words) and one id: nothing in its name reads
            // as an address or a second id.
            string listId = Unfold(head).Split("\r\n").Single(l => l.StartsWith("List-Id:", StringComparison.OrdinalIgnoreCase));
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(listId, "^List-Id: ((\"([^\"\\\\]|\\\\.)*\"|=\\?utf-8\\?[bq]\\?[^? ]*\\?=|[A-Za-z0-9._-]+) )+<news\\.feeds\\.example\\.test>$"), listId);
            var names = HeaderNames(head);
            Assert.DoesNotContain("Bcc", names, StringComparer.OrdinalIgnoreCase);
            Assert.DoesNotContain("Cc", names, StringComparer.OrdinalIgnoreCase);
            Assert.Equal(1, names.Count(n => n.Equals("To", StringComparison.OrdinalIgnoreCase)));
            Assert.Equal(1, names.Count(n => n.Equals("Subject", StringComparison.OrdinalIgnoreCase)));
            Assert.All(head.Split("\r\n"), line => Assert.True(line.Length <= 998, "a header line longer than RFC 5322 allows"));
            // Bare CR or LF in the head would let a lenient reader see a new line where we wrote none.
            Assert.DoesNotMatch("\r(?!\n)|(?<!\r)\n", head);

            var message = MimeMessage.Load(new MemoryStream(delivery.Data));
            var to = Assert.Single(message.To.Mailboxes);
            Assert.Equal(delivery.Recipient, to.Address);
            Assert.Empty(message.Cc);
            Assert.Empty(message.Bcc);
            // Decoded, no name or subject holds a line break: a client showing them shows one line.
            Assert.False(System.Text.RegularExpressions.Regex.IsMatch(to.Name ?? "", "[\r\n\u2028\u2029\u0085]"), HeaderBlock(delivery.Data));
            Assert.DoesNotMatch("[\r\n\u2028\u2029\u0085]", message.Subject);
        }
    }

    [Theory]
    [InlineData(1000, '长')]
    [InlineData(1000, 'a')]
    [InlineData(3, '<')]
    public void AListIdStaysWithinLineLimitsWhateverTheNameAndParsesToItsId(int length, char c)
    {
        string name = new string(c, length) + " \"Bcc: " + Evil + "\" <x>";
        byte[] raw = Publisher.Email.HeaderText.ListIdValue(name, "news.feeds.example.test");
        string value = Encoding.ASCII.GetString(raw);
        Assert.EndsWith("\r\n", value);
        Assert.All(("List-Id:" + value).Split("\r\n"), line => Assert.True(line.Length <= 78, line));
        var header = new Header(HeaderId.ListId, "");
        header.SetRawValue(raw);
        using var stream = new MemoryStream();
        var message = new MimeMessage();
        message.Headers.Add(header);
        message.WriteTo(stream);
        var parsed = MimeMessage.Load(new MemoryStream(stream.ToArray()));
        string unfolded = System.Text.RegularExpressions.Regex.Replace(parsed.Headers[HeaderId.ListId] ?? "", "\r?\n[ \t]", " ");
        Assert.EndsWith("<news.feeds.example.test>", unfolded.Trim());
        // Outside its quoted strings, the value holds one id in angle brackets.
        string unquoted = System.Text.RegularExpressions.Regex.Replace(unfolded, "\"(?:[^\"\\\\]|\\\\.)*\"", "");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(unquoted, "<[^>]*>"));
    }

    private static string HeaderBlock(byte[] data)
    {
        string text = Encoding.UTF8.GetString(data);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }

    private static string Unfold(string head) => System.Text.RegularExpressions.Regex.Replace(head, "\r\n[ \t]+", " ");

    private static List<string> HeaderNames(string head) =>
        head.Split("\r\n").Where(l => l.Length > 0 && l[0] is not (' ' or '\t')).Select(l => l[..Math.Max(0, l.IndexOf(':'))]).ToList();
}
