using System.Text.Json;
using Publisher.Tests.Support;

namespace Publisher.Tests.Feeds;

/// <summary>A real feed reader (Debian's python3-feedparser) and the Atom RELAX NG grammar (jing).</summary>
public static class FeedReader
{
    public static async Task<JsonElement> ParseAsync(byte[] feed)
    {
        string file = Path.GetTempFileName();
        await File.WriteAllBytesAsync(file, feed);
        try
        {
            var (code, stdout, stderr) = await ExternalTool.RunAsync("/usr/bin/python3", RepoPaths.Fixture("Feeds", "feedcheck.py"), file);
            Assert.True(code == 0, stderr);
            var parsed = JsonDocument.Parse(stdout).RootElement.Clone();
            Assert.False(parsed.GetProperty("bozo").GetBoolean(), "feedparser: " + parsed.GetProperty("bozo_exception"));
            return parsed;
        }
        finally { File.Delete(file); }
    }

    public static async Task AssertValidAtomAsync(byte[] feed)
    {
        string file = Path.GetTempFileName();
        await File.WriteAllBytesAsync(file, feed);
        try
        {
            var (code, stdout, stderr) = await ExternalTool.RunAsync("/usr/bin/jing", "-c", RepoPaths.Fixture("Feeds", "atom.rnc"), file);
            Assert.True(code == 0, "jing: " + stdout + string.Join('\n', stderr.Split('\n').Where(l => !l.Contains("[warning]"))));
        }
        finally { File.Delete(file); }
    }
}
