using System.Diagnostics;

namespace Publisher.Tests.Support;

/// <summary>
/// A PostgreSQL cluster of a test's own (tests/postgres/cluster.sh: Debian's server binaries, a temp folder, a free
/// localhost port), for a test that stops or restarts the server and must not take the shared one down with it.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private static string Script => Path.Combine(RepoPaths.Root, "tests", "postgres", "cluster.sh");
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "publisher-pg-" + Guid.NewGuid().ToString("N")[..12]);
    /// <summary>The server's connection string (database "postgres").</summary>
    public string Server { get; }

    public PostgresCluster() => Server = Run("start").Trim();

    /// <summary>A fast restart: the server ends every connection, and takes new ones a moment later.</summary>
    public void Restart() => Run("restart");

    private string Run(string command)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Script, command, Folder }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90))) { process.Kill(); throw new TimeoutException($"cluster.sh {command} took too long"); }
        if (process.ExitCode != 0) throw new InvalidOperationException($"cluster.sh {command} failed ({process.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }

    public void Dispose()
    {
        try { Run("stop"); } catch (Exception) { /* best effort */ }
        try { Directory.Delete(Folder, recursive: true); } catch (Exception) { /* best effort */ }
    }
}
