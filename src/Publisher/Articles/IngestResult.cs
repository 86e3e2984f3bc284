namespace Publisher.Articles;

public enum IngestOutcome { Added, Updated, Unchanged, Rejected }

/// <summary>One line of an ingest report: <paramref name="Name"/> is the slug (or the file when rejected),
/// <paramref name="Detail"/> the title (or the reason).</summary>
public sealed record IngestResult(IngestOutcome Outcome, string Name, string Detail)
{
    /// <summary>One line of three tab-separated fields, whatever a file name or a reason holds (tabs and line breaks become spaces).</summary>
    public string ToLine() => $"{Outcome.ToString().ToLowerInvariant()}\t{Field(Name)}\t{Field(Detail)}";

    private static string Field(string s) => string.Create(s.Length, s, (span, source) =>
    {
        for (int i = 0; i < source.Length; i++) span[i] = char.IsControl(source[i]) || source[i] is '\u2028' or '\u2029' ? ' ' : source[i];
    });
}
