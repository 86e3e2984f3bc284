using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hangfire;
using Hangfire.Common;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Publisher.Data;
using Publisher.Tests.Support;

namespace Publisher.Tests.Attacks;

/// <summary>
/// A full disk and a read-only database at run time. The database is made full by SQLite itself
/// (<c>PRAGMA max_page_count</c>: the engine answers SQLITE_FULL exactly as on a full disk), read-only by
/// <c>PRAGMA query_only</c> (SQLITE_READONLY): no root, no mounts. Each answer is a problem+json naming the cause,
/// and nothing else changes.
/// </summary>
public sealed class StorageFullTests : IDisposable
{
    private readonly TempSite _site = new();
    private readonly StorageLimit _limit = new();
    private readonly CollectedLog _log = new();
    private readonly WebApplicationFactory<Program> _factory;
    private readonly HttpClient _admin;

    public StorageFullTests()
    {
        _factory = new PublisherFactory(_site.Settings()).WithWebHostBuilder(b => b
            .ConfigureLogging(logging => logging.AddProvider(_log))
            .ConfigureTestServices(services => services.ConfigureDbContext<PublisherDbContext>(db => db.AddInterceptors(_limit))));
        _admin = _factory.CreateClient();
        _admin.DefaultRequestHeaders.Authorization = new("Bearer", TempSite.AdminKey);
    }

    public void Dispose()
    {
        _factory.Dispose();
        _site.Dispose();
    }

    private static byte[] Csv(int rows)
    {
        var csv = new StringBuilder("email,name\n");
        for (int i = 1; i <= rows; i++) csv.Append("reader").Append(i.ToString("D5")).Append("@example.org,读者").Append(i).Append('\n');
        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    private async Task<int> MembersAsync()
    {
        _limit.Off();
        using var scope = _factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<PublisherDbContext>().Memberships.CountAsync();
    }

    [Fact]
    public async Task AnImportOnAFullDiskSaysHowFarItGotAndTheRestLandsWhenImportedAgain()
    {
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news", optIn = "single" })).StatusCode);
        _limit.FullAfter(extraPages: 600); // room for a few of the 2,000-row batches of a 50,000-row file
        var file = Csv(50_000);

        var response = await _admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new ByteArrayContent(file));
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Contains("full", problem.GetProperty("title").GetString()!, StringComparison.OrdinalIgnoreCase);
        var report = problem.GetProperty("report");
        int stored = report.GetProperty("added").GetInt32();
        int lastLine = report.GetProperty("stopped").GetProperty("storedThroughLine").GetInt32();
        int atLine = report.GetProperty("stopped").GetProperty("atLine").GetInt32();
        Assert.InRange(stored, 1, 49_999);
        Assert.Equal(stored + 1, lastLine); // line 1 is the header; every row up to it landed
        Assert.Equal(lastLine + 1, atLine);
        Assert.Contains($"line {lastLine}", problem.GetProperty("detail").GetString());
        Assert.Equal(stored, await MembersAsync()); // what the report says landed is exactly what is stored

        // Space again: the same file finishes the job, and nothing is doubled.
        var again = await _admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new ByteArrayContent(file));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var finished = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(50_000 - stored, finished.GetProperty("added").GetInt32());
        Assert.Equal(stored, finished.GetProperty("unchanged").GetInt32());
        Assert.Equal(50_000, await MembersAsync());
    }

    [Fact]
    public async Task AStoppedImportsReportCountsExactlyTheLinesBeforeTheStopBadRowsAndDuplicatesIncluded()
    {
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/lists", new { name = "news", optIn = "single" })).StatusCode);
        var csv = new StringBuilder("email,name\n");
        var badLines = new List<int>();
        var seen = new HashSet<string>();
        for (int i = 1; i <= 30_000; i++)
        {
            // Now and then a bad address, now and then one from 50 rows before (a duplicate, when that one was good).
            string email = i % 97 == 0 ? "not-an-address" : i % 101 == 0 ? $"reader{i - 50:D5}@example.org" : $"reader{i:D5}@example.org";
            if (i % 97 == 0 || !seen.Add(email)) badLines.Add(i + 1);
            csv.Append(email).Append(",读者\n");
        }
        _limit.FullAfter(extraPages: 600);
        var response = await _admin.PostAsync("/api/lists/news/subscribers/import?confirmed=true", new StringContent(csv.ToString()));
        Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
        var report = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("report");
        int atLine = report.GetProperty("stopped").GetProperty("atLine").GetInt32();
        var problemLines = report.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("line").GetInt32()).ToList();
        Assert.InRange(atLine, 3, 30_000);
        Assert.Equal(atLine - 2, report.GetProperty("rows").GetInt32());                 // the data rows before the stop, no more, no fewer
        Assert.All(problemLines, line => Assert.True(line < atLine));
        Assert.Equal(badLines.Where(line => line < atLine), problemLines);
        Assert.Equal(problemLines.Count, report.GetProperty("failed").GetInt32());
        Assert.Equal(atLine - 2 - problemLines.Count, report.GetProperty("added").GetInt32());
        Assert.Equal(report.GetProperty("added").GetInt32(), await MembersAsync());
    }

    [Fact]
    public async Task AnArticleDroppedInWhileTheDiskIsFullIsPublishedOnceThereIsRoom()
    {
        var client = _factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        _limit.FullAfter(extraPages: 0);
        var body = string.Concat(Enumerable.Repeat("为切实做好今冬明春供暖保障工作，确保群众温暖过冬，现将有关事项通知如下。\n\n", 3000));
        _site.Write("full-disk.md", $"---\ntitle: 满盘时到达的文章\ndate: 2026-12-01T09:00:00+08:00\n---\n{body}");
        // While the disk is full the watcher cannot store it; it must not take that for a bad file and forget it.
        await Eventually.HoldsAsync(() => Task.FromResult(_log.Entries.Any(e => e.Level >= LogLevel.Warning
                && (e.Message.Contains("full-disk.md") || e.Message.Contains("Scanning") || e.Message.Contains("Storing")))),
            TimeSpan.FromSeconds(20), "the watcher tried and failed to store the article");
        Assert.DoesNotContain("满盘时到达的文章", await client.GetStringAsync("/feeds/rss.xml"));
        _limit.Off();
        await Eventually.HoldsAsync(async () => (await client.GetStringAsync("/feeds/rss.xml")).Contains("满盘时到达的文章"),
            TimeSpan.FromSeconds(20), "the article is published once there is room");
    }

    [Fact]
    public async Task CreatingListsUntilTheDiskIsFullAnswers507ForTheOneThatDidNotFitAndMakesNothingOfIt()
    {
        _limit.FullAfter(extraPages: 2);
        HttpResponseMessage response;
        int n = 0;
        do response = await _admin.PostAsJsonAsync("/api/lists", new { name = $"list-{++n}", description = new string('长', 1000) });
        while (response.StatusCode == HttpStatusCode.Created && n < 500);
        Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
        Assert.InRange(n, 2, 499);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("disk", problem.GetProperty("detail").GetString()!, StringComparison.OrdinalIgnoreCase);
        _limit.Off();
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync($"/api/lists/list-{n}")).StatusCode);
        Assert.Equal(n - 1, (await _admin.GetFromJsonAsync<JsonElement>("/api/lists")).GetArrayLength());
    }

    [Fact]
    public async Task AReadOnlyDatabaseAnswers503NamingIt()
    {
        _limit.ReadOnly();
        var response = await _admin.PostAsJsonAsync("/api/lists", new { name = "news" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("read-only", problem.GetProperty("detail").GetString()!, StringComparison.OrdinalIgnoreCase);
        // Reading still works while writing does not.
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync("/api/lists")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _factory.CreateClient().GetAsync("/feeds/rss.xml")).StatusCode);
    }

    [Fact]
    public async Task AListIsCreatedAnswers201EvenWhenItsScheduleCannotBeSavedYet()
    {
        // The list row commits; the schedule store (Hangfire's own database) is full. Answering 500 for a list that
        // exists made clients create it again and get 409; the minute's sync sets the schedule once there is room.
        var failing = new FailingRecurringJobs();
        using var site = new TempSite();
        using var factory = new PublisherFactory(site.Settings()).WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IRecurringJobManager>(failing)));
        var admin = factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", TempSite.AdminKey);
        failing.Failing = true;
        var response = await admin.PostAsJsonAsync("/api/lists", new { name = "news" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/lists/news")).StatusCode);
    }

    /// <summary>Makes SQLite itself refuse to grow the file (or to write at all) on every connection EF opens.</summary>
    private sealed class StorageLimit : DbConnectionInterceptor
    {
        private volatile string? _pragma;

        public void FullAfter(int extraPages) => _pragma = $"extra:{extraPages}";
        public void ReadOnly() => _pragma = "PRAGMA query_only=1;";
        public void Off() => _pragma = "PRAGMA query_only=0; PRAGMA max_page_count=1073741823;";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private void Apply(DbConnection connection)
        {
            if (_pragma is not { } pragma || connection is not SqliteConnection) return;
            using var command = connection.CreateCommand();
            if (pragma.StartsWith("extra:", StringComparison.Ordinal))
            {
                command.CommandText = "PRAGMA page_count;";
                long pages = (long)command.ExecuteScalar()!;
                pragma = $"PRAGMA max_page_count={pages + int.Parse(pragma[6..])};";
                _pragma = pragma; // fixed from the first connection on: the file may not grow past it
            }
            command.CommandText = pragma;
            command.ExecuteNonQuery();
        }
    }

    private sealed class FailingRecurringJobs : IRecurringJobManager
    {
        public volatile bool Failing;

        public void AddOrUpdate(string recurringJobId, Job job, string cronExpression, RecurringJobOptions options)
        {
            if (Failing) throw new SqliteException("database or disk is full", 13);
        }

        public void Trigger(string recurringJobId) { }
        public void RemoveIfExists(string recurringJobId) { }
    }
}

/// <summary>What the kernel itself answers when a disk is full or read-only, recognised as such.</summary>
public sealed class StorageFailureKindsTests
{
    [Fact]
    public void AWriteToAFullDeviceIsDiskFull()
    {
        // /dev/full answers every write with ENOSPC, as a full disk does.
        var ex = Assert.ThrowsAny<IOException>(() =>
        {
            using var stream = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
            stream.Write(new byte[4096]);
            stream.Flush();
        });
        Assert.Same(Publisher.Hosting.StorageFailures.DiskFull, Publisher.Hosting.StorageFailures.Of(ex));
        Assert.Same(Publisher.Hosting.StorageFailures.DiskFull, Publisher.Hosting.StorageFailures.Of(new InvalidOperationException("wrapped", ex)));
    }

    [Fact]
    public void SqliteIoErrorsAndFilesItCannotOpenAreStorageFailuresToo()
    {
        Assert.Same(Publisher.Hosting.StorageFailures.IoError, Publisher.Hosting.StorageFailures.Of(new SqliteException("disk I/O error", 10)));
        Assert.Same(Publisher.Hosting.StorageFailures.IoError, Publisher.Hosting.StorageFailures.Of(new SqliteException("unable to open database file", 14)));
        Assert.Same(Publisher.Hosting.StorageFailures.ReadOnly, Publisher.Hosting.StorageFailures.Of(new SqliteException("attempt to write a readonly database", 8)));
    }

    [Fact]
    public void OtherFailuresAreNotStorageFailures()
    {
        Assert.Null(Publisher.Hosting.StorageFailures.Of(new IOException("sharing violation")));
        Assert.Null(Publisher.Hosting.StorageFailures.Of(new SqliteException("constraint failed", 19)));
        Assert.Null(Publisher.Hosting.StorageFailures.Of(null));
    }
}
