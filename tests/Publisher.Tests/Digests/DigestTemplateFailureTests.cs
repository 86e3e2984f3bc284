using System.Net;
using System.Net.Http.Json;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Publisher.Data;
using Publisher.Digests;
using Publisher.Tests.Support;

namespace Publisher.Tests.Digests;

/// <summary>
/// A digest whose template throws while rendering: nothing goes out, the error is the job's (so the dashboard
/// shows it), and the ledger keeps every delivery for when the cause is fixed.
/// </summary>
public sealed class DigestTemplateFailureTests : IAsyncLifetime
{
    /// <summary>An article title that makes the template's HTML encoder throw, as a bug in a template would.</summary>
    private const string Poison = "TEMPLATE-BUG";

    private readonly TempSite _site = new();
    private readonly TestSmtpServer _smtp = new();
    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> _factory = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        var settings = _site.Settings(_smtp.Settings());
        _factory = new PublisherFactory(settings).WithWebHostBuilder(b => b.ConfigureTestServices(services =>
            services.AddSingleton<HtmlEncoder>(new ThrowingEncoder(HtmlEncoder.Create(UnicodeRanges.All)))));
        _admin = _factory.CreateClient();
        _admin.DefaultRequestHeaders.Authorization = new("Bearer", TempSite.AdminKey);
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news" })).StatusCode);
        var import = await _admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent("email\na@example.org\nb@example.org\n"));
        Assert.True(import.IsSuccessStatusCode);
        var article = await _admin.PostAsJsonAsync("/api/articles", new { slug = "bug", title = $"{Poison}：通知", publishedAt = "2026-11-27 09:00", contentText = "正文。" });
        Assert.True(article.IsSuccessStatusCode, await article.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
        _site.Dispose();
    }

    [Fact]
    public async Task NothingGoesOutTheJobFailsWithTheErrorAndEveryDeliveryWaits()
    {
        // The digest is made and queued (202); its batches fail on the template.
        var response = await _admin.PostAsync("/api/lists/news/digests", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        using var scope = _factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        int digestId = (await db.Digests.SingleAsync()).Id;
        // What Hangfire runs: the batch job throws the template's error, which is what the dashboard shows.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            scope.ServiceProvider.GetRequiredService<DigestJobs>().SendBatchAsync(digestId, CancellationToken.None));
        Assert.Contains(Poison, error.Message);

        Assert.Empty(_smtp.Received);
        Assert.All(await db.Deliveries.AsNoTracking().ToListAsync(), d => Assert.Equal(DeliveryState.Pending, d.State));
    }

    /// <summary>Encodes like the real encoder, but throws on <see cref="Poison"/>.</summary>
    private sealed unsafe class ThrowingEncoder(HtmlEncoder inner) : HtmlEncoder
    {
        public override int MaxOutputCharactersPerInputCharacter => inner.MaxOutputCharactersPerInputCharacter;
        public override string Encode(string value) => inner.Encode(Check(value));
        public override void Encode(TextWriter output, string value, int startIndex, int characterCount) =>
            inner.Encode(output, Check(value.Substring(startIndex, characterCount)), 0, characterCount);
        public override void Encode(TextWriter output, char[] value, int startIndex, int characterCount) =>
            inner.Encode(output, Check(new string(value, startIndex, characterCount)), 0, characterCount);
        public override int FindFirstCharacterToEncode(char* text, int textLength)
        {
            Check(new string(text, 0, textLength));
            return inner.FindFirstCharacterToEncode(text, textLength);
        }
        public override bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten) =>
            inner.TryEncodeUnicodeScalar(unicodeScalar, buffer, bufferLength, out numberOfCharactersWritten);
        public override bool WillEncode(int unicodeScalar) => inner.WillEncode(unicodeScalar);

        private static string Check(string value) =>
            value.Contains(Poison) ? throw new InvalidOperationException($"the template failed on '{value}'") : value;
    }
}
