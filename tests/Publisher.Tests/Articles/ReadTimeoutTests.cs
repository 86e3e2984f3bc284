using Publisher.Tests.Support;

namespace Publisher.Tests.Articles;

/// <summary>
/// A file that cannot be read in time (a named pipe nobody writes to, a link to a device) costs the run one rejected
/// line after <c>Publisher:Articles:ReadTimeout</c>, and the files after it are read.
/// </summary>
public sealed class ReadTimeoutTests : IDisposable
{
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task ANamedPipeIsRejectedAfterTheReadTimeoutAndTheFilesAfterItAreRead()
    {
        _site.Write("a.md", "---\ntitle: 之前\ndate: 2024-01-01\n---\n正文。");
        string fifo = Path.Combine(_site.ArticlesPath, "b-pipe.md");
        var (code, _, stderr) = await ExternalTool.RunAsync("/usr/bin/mkfifo", fifo);
        Assert.True(code == 0, stderr);
        File.CreateSymbolicLink(Path.Combine(_site.ArticlesPath, "c-zero.txt"), "/dev/zero");
        _site.Write("d.md", "---\ntitle: 之后\ndate: 2024-01-02\n---\n正文。");

        var run = await PublisherProcess.RunAsync(_site, "ingest", _site.ArticlesPath, "--Publisher:Articles:ReadTimeout=00:00:03");

        Assert.Equal(1, run.ExitCode);
        var byName = run.Lines.Select(l => l.Split('\t')).ToDictionary(p => Path.GetFileName(p[1]), p => (Outcome: p[0], Detail: p[2]));
        Assert.Equal(4, byName.Count);
        Assert.Equal(("added", "之前"), byName["a"]);
        Assert.Equal("rejected", byName["b-pipe.md"].Outcome);
        Assert.StartsWith("not read within 3 s (Publisher:Articles:ReadTimeout)", byName["b-pipe.md"].Detail);
        Assert.Equal("rejected", byName["c-zero.txt"].Outcome);
        Assert.StartsWith("file too large", byName["c-zero.txt"].Detail);
        Assert.Equal(("added", "之后"), byName["d"]);
    }
}
