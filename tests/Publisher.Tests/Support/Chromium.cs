namespace Publisher.Tests.Support;

/// <summary>Debian's headless Chromium, run once per call with a throwaway profile.</summary>
public static class Chromium
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        string profile = Path.Combine(Path.GetTempPath(), "publisher-tests", "chromium-" + Guid.NewGuid().ToString("N"));
        try
        {
            return await ExternalTool.RunAsync("/usr/bin/chromium", [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", $"--user-data-dir={profile}", .. args]);
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
