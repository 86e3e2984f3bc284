using System.Diagnostics;
using Publisher.Hosting;

namespace Publisher.Tests.Hosting;

/// <summary>Telling a crashed local process from a live one, on the real /proc of this machine.</summary>
public sealed class LocalProcessTests
{
    [Fact]
    public async Task AProcessIsGoneOnlyWhenItsPidNoLongerRunsAsTheSameStart()
    {
        Assert.NotNull(LocalProcess.Instance); // Linux: the service runs there, and so does CI
        using var child = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        string instance = LocalProcess.Of(child.Id)!;
        Assert.False(LocalProcess.IsGone(instance));
        Assert.False(LocalProcess.IsGone(LocalProcess.Instance)); // this very process

        var parts = instance.Split('/');
        // The same PID started at another time is another process: the registered one is gone.
        Assert.True(LocalProcess.IsGone($"{parts[0]}/{parts[1]}/{parts[2]}/{long.Parse(parts[3]) + 1}"));
        // Another PID namespace (another container) cannot be judged from here.
        Assert.False(LocalProcess.IsGone($"{parts[0]}/pid:[1]/{parts[2]}/{parts[3]}"));
        // Another boot neither.
        Assert.False(LocalProcess.IsGone($"00000000-0000-0000-0000-000000000000/{parts[1]}/{parts[2]}/{parts[3]}"));

        child.Kill();
        await child.WaitForExitAsync();
        Assert.True(LocalProcess.IsGone(instance));
    }
}
