using Publisher.Digests;

namespace Publisher.Tests.Digests;

[Trait("Db", "Both")]
public sealed class ResumeBackoffTests
{
    private static readonly DateTime T0 = new(2026, 11, 28, 8, 0, 0, DateTimeKind.Utc);
    private readonly ResumeBackoff _backoff = new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1));

    private bool At(double seconds, long progress, out int resumes, out TimeSpan wait) =>
        _backoff.TryResume(7, progress, T0.AddSeconds(seconds), out resumes, out wait);

    [Fact]
    public void ADigestThatKeepsStallingWithoutProgressWaitsTwiceAsLongEachTimeUpToTheMaximum()
    {
        Assert.True(At(0, 100, out int resumes, out var wait));
        Assert.Equal((1, TimeSpan.FromSeconds(10)), (resumes, wait));
        Assert.False(At(9, 100, out _, out _));
        Assert.True(At(10, 100, out resumes, out wait));
        Assert.Equal((2, TimeSpan.FromSeconds(20)), (resumes, wait));
        Assert.False(At(29, 100, out _, out _));
        Assert.True(At(30, 100, out resumes, out wait));
        Assert.Equal((3, TimeSpan.FromSeconds(40)), (resumes, wait));
        Assert.True(At(70, 100, out resumes, out wait));
        Assert.Equal((4, TimeSpan.FromMinutes(1)), (resumes, wait)); // 80 s, held to the maximum
        Assert.True(At(130, 100, out _, out wait));
        Assert.Equal(TimeSpan.FromMinutes(1), wait);
    }

    [Fact]
    public void ADigestWhoseRowsWereWorkedOnSinceItsLastResumeIsResumedAtOnce()
    {
        Assert.True(At(0, 100, out _, out _));
        Assert.True(At(10, 100, out _, out _));
        Assert.False(At(15, 100, out _, out _));
        Assert.True(At(15, 160, out int resumes, out var wait)); // its rows were touched: a large list between rounds of batches
        Assert.Equal((1, TimeSpan.FromSeconds(10)), (resumes, wait));
    }

    [Fact]
    public void DigestsAreTrackedApartAndForgottenOnceQuiet()
    {
        Assert.True(At(0, 100, out _, out _));
        Assert.True(_backoff.TryResume(8, 5, T0, out _, out _));
        Assert.False(At(5, 100, out _, out _));
        _backoff.Forget(T0.AddSeconds(10 + 61));
        Assert.True(At(71, 100, out int resumes, out _));
        Assert.Equal(1, resumes);
    }
}
