using System.Diagnostics;
using Publisher.Tests.Support;

namespace Publisher.Tests;

public sealed class StartupTests : IDisposable
{
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    [Theory]
    [InlineData("--Publisher:Site:BaseUrl=not a url", "Publisher:Site:BaseUrl")]
    [InlineData("--Publisher:Site:TimeZone=Mars/Olympus", "Publisher:Site:TimeZone")]
    [InlineData("--Publisher:Feeds:PageSize=0", "Publisher:Feeds:PageSize")]
    [InlineData("--Publisher:Bounces:Imap:Host=imap.example.org", "Publisher:Bounces:Imap:User")]
    [InlineData("--Publisher:Bounces:PollSeconds=0", "Publisher:Bounces:PollSeconds")]
    [InlineData("--Publisher:Smtp:HeloName=not a host", "Publisher:Smtp:HeloName")]
    public async Task InvalidConfigurationStopsTheStartWithAMessageNamingTheKey(string setting, string key)
    {
        var (code, stderr) = await StartAsync($"--Publisher:DataPath={_site.DataPath}", setting);
        Assert.Equal(2, code);
        Assert.Contains(key, stderr);
    }

    private async Task<(int Code, string Stderr)> StartAsync(params string[] settings)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = _site.Root };
        foreach (var a in new[] { RepoPaths.PublisherDll, "--urls", "http://127.0.0.1:0" }.Concat(settings)) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // it started instead of refusing to: not left running after the test
            throw;
        }
        await stdout;
        return (process.ExitCode, await stderr);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Port={closed};Username=postgres;Password=secret-pw;Database=publisher", "Connection refused")] // nobody listens
    [InlineData("Host=;Database=publisher", "names no Host")]
    [InlineData("Hots=127.0.0.1;;=", "not a valid PostgreSQL connection string")]
    [InlineData("", "is required")]
    public async Task APostgresConnectionStringThatCannotBeUsedStopsTheStartWithOneLineNamingIt(string connectionString, string why)
    {
        connectionString = connectionString.Replace("{closed}", Loopback.FreePort().ToString());
        var (code, stderr) = await StartAsync($"--Publisher:DataPath={_site.DataPath}", "--Publisher:Database:Provider=Postgres",
            $"--ConnectionStrings:Publisher={connectionString}");
        Assert.Equal(2, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("ConnectionStrings:Publisher", line);
        Assert.Contains(why, line);
        Assert.DoesNotContain("secret-pw", line);
    }

    [Fact]
    public async Task SmtpWithoutASenderStopsTheStartWithOneLineNamingTheKey()
    {
        // Without Smtp:From mail would go out from publisher@localhost, which real relays refuse.
        var (code, stderr) = await StartAsync($"--Publisher:DataPath={_site.DataPath}", "--Publisher:Smtp:Host=127.0.0.1",
            "--Publisher:Site:BaseUrl=https://news.example.cn");
        Assert.Equal(2, code);
        Assert.Contains("Publisher:Smtp:From", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
    }

    [Fact]
    public async Task ADataFolderThatCannotBeWrittenStopsTheStartWithOneLineNamingIt()
    {
        // Not even root can make a folder under /proc: the same answer as a read-only disk, on any machine.
        var (code, stderr) = await StartAsync("--Publisher:DataPath=/proc/publisher-test/data");
        Assert.Equal(2, code);
        Assert.Contains("/proc/publisher-test/data", stderr);
        Assert.DoesNotContain("   at ", stderr); // a sentence, not a stack trace
    }

    [Fact]
    public async Task AShortAdminKeyFileStopsTheStartWithOneLineNamingIt()
    {
        Directory.CreateDirectory(_site.DataPath);
        File.WriteAllText(Path.Combine(_site.DataPath, "admin.key"), "short");
        var (code, stderr) = await StartAsync($"--Publisher:DataPath={_site.DataPath}", "--Publisher:AdminApiKey=");
        Assert.Equal(2, code);
        Assert.Contains("admin.key", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task DataFilesAreReadableByTheirOwnerOnlyAndLooserOnesAreTightenedAtStart()
    {
        Directory.CreateDirectory(Path.Combine(_site.DataPath, "outbox"));
        string old = Path.Combine(_site.DataPath, "outbox", "old.eml");
        File.WriteAllText(old, "From: a@example.org\r\n\r\nhello");
        File.SetUnixFileMode(old, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await using (var service = await ServiceProcess.StartAsync(_site))
        {
            using var http = new HttpClient();
            Assert.True((await http.GetAsync(service.BaseUrl + "/feeds/rss.xml")).IsSuccessStatusCode);
        }
        const UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(owner | UnixFileMode.UserExecute, File.GetUnixFileMode(_site.DataPath));
        var files = Directory.GetFiles(_site.DataPath, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith(".db"));
        Assert.All(files, f => Assert.True(File.GetUnixFileMode(f) == owner, $"{f} is {File.GetUnixFileMode(f)}"));
        Assert.All(Directory.GetDirectories(_site.DataPath, "*", SearchOption.AllDirectories),
            d => Assert.Equal(owner | UnixFileMode.UserExecute, File.GetUnixFileMode(d)));
    }

    [Fact]
    public async Task TheFirstStartGeneratesAnAdminKeyFileReadableOnlyByItsOwner()
    {
        // No AdminApiKey configured: the service makes one on its first start.
        await using (var service = await ServiceProcess.StartAsync(_site, "--Publisher:AdminApiKey=")) { }
        string keyFile = Path.Combine(_site.DataPath, "admin.key");
        Assert.True(File.Exists(keyFile));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.True(File.ReadAllText(keyFile).Trim().Length >= 32);
    }
}
