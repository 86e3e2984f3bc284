namespace Publisher.Cli;

/// <summary>
/// Separates configuration arguments (<c>--Publisher:X:Y=v</c>, <c>--urls v</c>, the host's own
/// <c>--environment=…</c>) from a verb and its arguments. No verb means: serve.
/// </summary>
public static class CommandLineArgs
{
    private static readonly string[] HostKeys = ["urls", "environment", "contentRoot", "applicationName", "webroot"];

    private static readonly string[] HelpWords = ["--help", "-h", "-?", "help"];

    public static (string[] Config, string[] Verb) Split(string[] args)
    {
        // "--help", "-h" or "help" before any verb asks for the usage (of the verb after "help", if one is named), never
        // for a server to start.
        int helpAt = Array.FindIndex(args, a => HelpWords.Contains(a, StringComparer.OrdinalIgnoreCase));
        int firstVerb = Array.FindIndex(args, a => !a.StartsWith('-'));
        if (helpAt >= 0 && (firstVerb < 0 || firstVerb >= helpAt))
        {
            var rest = args[(helpAt + 1)..].Where(a => !a.StartsWith('-')).ToList();
            return (args[..helpAt].Where(IsConfig).ToArray(), [.. rest, "--help"]);
        }
        var config = new List<string>();
        var verb = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (verb.Count == 0 && !a.StartsWith('-')) { verb.AddRange(args[i..].Where(x => !IsConfig(x))); config.AddRange(args[i..].Where(IsConfig)); break; }
            if (IsConfig(a)) config.Add(a);
            else if (IsHostKey(a) && i + 1 < args.Length) { config.Add(a); config.Add(args[++i]); }
            else config.Add(a);
        }
        return (config.ToArray(), verb.ToArray());
    }

    /// <summary><c>--Section:Key=value</c> or <c>--urls=value</c>: configuration, wherever it stands.</summary>
    private static bool IsConfig(string a)
    {
        if (!a.StartsWith("--", StringComparison.Ordinal) || !a.Contains('=')) return false;
        string key = a[2..a.IndexOf('=')];
        return key.Contains(':') || HostKeys.Contains(key, StringComparer.OrdinalIgnoreCase);
    }

    private static bool IsHostKey(string a) => a.StartsWith("--", StringComparison.Ordinal) && HostKeys.Contains(a[2..], StringComparer.OrdinalIgnoreCase);
}
