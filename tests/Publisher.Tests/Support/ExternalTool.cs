using System.Diagnostics;
using System.Text;

namespace Publisher.Tests.Support;

/// <summary>Runs a program installed on the machine (jing, Debian's Python with feedparser, chromium).</summary>
public static class ExternalTool
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, params string[] args)
    {
        if (!File.Exists(program)) throw new FileNotFoundException($"{program} is not installed; run .ci/run or the setup in README.md", program);
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
