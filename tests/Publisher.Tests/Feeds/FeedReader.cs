using System.Text;
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

    /// <summary>Atom against its grammar, RSS and Atom through feedparser, JSON Feed through a JSON parser; each holds <paramref name="items"/> items, one titled <paramref name="title"/>.</summary>
    public static async Task AssertAllValidAsync(byte[] rss, byte[] atom, byte[] json, string title, int items)
    {
        await FeedReader.AssertValidAtomAsync(atom);
        foreach (var xml in new[] { rss, atom })
        {
            var entries = (await FeedReader.ParseAsync(xml)).GetProperty("entries").EnumerateArray().ToList();
            Assert.Equal(items, entries.Count);
            Assert.Contains(title, entries.Select(e => e.GetProperty("title").GetString()));
        }
        using var feed = JsonDocument.Parse(json);
        var jsonItems = feed.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(items, jsonItems.Count);
        Assert.Contains(title, jsonItems.Select(i => i.GetProperty("title").GetString()));
        foreach (var s in new[] { rss, atom, json }.Select(Encoding.UTF8.GetString))
            Assert.True(IsXmlSafe(s), "a feed holds a character XML forbids");
    }

    /// <summary>True when <paramref name="s"/> holds no character XML 1.0 forbids (nor a C1 control, nor a lone surrogate).</summary>
    public static bool IsXmlSafe(string? s)
    {
        if (s is null) return true;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            if (c is '\t' or '\n' or '\r') continue;
            if (c < ' ' || c is >= '\u007F' and <= '\u009F' || char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF') return false;
        }
        return true;
    }
}
