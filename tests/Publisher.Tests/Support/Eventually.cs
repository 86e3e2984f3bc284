namespace Publisher.Tests.Support;

public static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after <paramref name="within"/>.</summary>
    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan within, string what) => HoldsAsync(condition, within, () => what);

    /// <summary>As above, with the failure message made when it fails (it may show the last state seen).</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan within, Func<string> what)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(200);
        }
        Assert.Fail($"Not within {within.TotalSeconds:N0} s: {what()}");
    }
}
