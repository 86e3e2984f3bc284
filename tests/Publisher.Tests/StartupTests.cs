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
    public async Task InvalidConfigurationStopsTheStartWithAMessageNamingTheKey(string setting, string key)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = _site.Root };
        foreach (var a in new[] { RepoPaths.PublisherDll, "--urls", "http://127.0.0.1:0", $"--Publisher:DataPath={_site.DataPath}", setting })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains(key, await stderr);
        await stdout;
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
