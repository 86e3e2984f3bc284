namespace Publisher.Articles;

public enum IngestOutcome { Added, Updated, Unchanged, Rejected }

/// <summary>One line of an ingest report: <paramref name="Name"/> is the slug (or the file when rejected),
/// <paramref name="Detail"/> the title (or the reason).</summary>
public sealed record IngestResult(IngestOutcome Outcome, string Name, string Detail)
{
    public string ToLine() => $"{Outcome.ToString().ToLowerInvariant()}\t{Name}\t{Detail}";
}
