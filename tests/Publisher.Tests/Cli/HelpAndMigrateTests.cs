using Publisher.Tests.Support;

namespace Publisher.Tests.Cli;

/// <summary>The command line's own verbs: help in every spelling, and migrate.</summary>
public sealed class HelpAndMigrateTests : IDisposable
{
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task HelpPrintsTheServeModeAndEveryVerbAndExits0InsteadOfServing(string spelling)
    {
        // With no usable settings even: asking for help must not need a valid configuration, nor start a server.
        var outcome = await PublisherProcess.RunAsync(_site, spelling, "--Publisher:Site:BaseUrl=not a url");
        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("Without a verb it serves", outcome.Stdout);
        foreach (var verb in new[] { "ingest", "articles", "feeds", "lists", "subscribers", "digest", "migrate" })
            Assert.Matches($@"(?m)^\s+{verb}\b", outcome.Stdout);
        Assert.DoesNotContain("Now listening", outcome.Stdout + outcome.Stderr);
    }

    [Fact]
    public async Task HelpBeforeAVerbIsThatVerbsHelp()
    {
        var outcome = await PublisherProcess.RunAsync(_site, "help", "digest");
        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("retry", outcome.Stdout);
    }

    [Fact]
    public async Task MigrateAppliesWhatIsPendingThenSaysTheDatabaseIsUpToDate()
    {
        var first = await PublisherProcess.RunAsync(_site, "migrate");
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("applied 20261128081732_Initial", first.Stdout);
        Assert.True(File.Exists(Path.Combine(_site.DataPath, "publisher.db")));
        var again = await PublisherProcess.RunAsync(_site, "migrate");
        Assert.Equal(0, again.ExitCode);
        Assert.Equal("the database is up to date", again.Lines.Single());
    }
}
