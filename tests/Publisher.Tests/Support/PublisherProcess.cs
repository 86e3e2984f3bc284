using System.Diagnostics;
using System.Text;

namespace Publisher.Tests.Support;

/// <summary>Runs the built service as its own process, as a user runs a verb.</summary>
public static class PublisherProcess
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr)
    {
        public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public static async Task<Outcome> RunAsync(TempSite site, params string[] args)
    {
        var settings = site.Settings().Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = site.Root,
        };
        start.ArgumentList.Add(RepoPaths.PublisherDll);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var s in settings) start.ArgumentList.Add(s);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Outcome(process.ExitCode, await stdout, await stderr);
    }
}
