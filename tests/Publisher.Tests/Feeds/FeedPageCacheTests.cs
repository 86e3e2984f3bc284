using Publisher.Feeds;

namespace Publisher.Tests.Feeds;

[Trait("Db", "Both")]
public sealed class FeedPageCacheTests
{
    private static FeedDocument Doc(int size) => FeedDocument.Create(new byte[size], "application/atom+xml; charset=utf-8", DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task TheLeastRecentlyUsedPagesGoWhenTheBytesPassTheBound()
    {
        long one = Doc(10_000).Size;
        var cache = new FeedPageCache(capacityBytes: one * 3);
        int builds = 0;
        Task<FeedDocument> Build() { builds++; return Task.FromResult(Doc(10_000)); }
        FeedKey Page(int n) => new(null, FeedFormat.Atom, n);

        for (int page = 2; page <= 4; page++) await cache.GetOrBuildAsync("b", Page(page), "v1", Build);
        await cache.GetOrBuildAsync("b", Page(2), "v1", Build); // page 2 used again: page 3 is now the oldest
        await cache.GetOrBuildAsync("b", Page(5), "v1", Build);
        Assert.Equal(4, builds);
        Assert.Equal(3, cache.Count);
        Assert.True(cache.Size <= one * 3);

        await cache.GetOrBuildAsync("b", Page(2), "v1", Build);
        Assert.Equal(4, builds); // still there
        await cache.GetOrBuildAsync("b", Page(3), "v1", Build);
        Assert.Equal(5, builds); // evicted, built again
        await cache.GetOrBuildAsync("b", Page(3), "v2", Build);
        Assert.Equal(6, builds); // its articles changed: built again, the old one replaced
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public async Task ConcurrentRequestsForOneMissingPageShareOneBuildAndAFailedBuildIsNotKept()
    {
        var cache = new FeedPageCache(1 << 20);
        var gate = new TaskCompletionSource<FeedDocument>();
        int builds = 0;
        var key = new FeedKey("x", FeedFormat.Json, 3);
        var a = cache.GetOrBuildAsync("b", key, "v", () => { builds++; return gate.Task; });
        var b = cache.GetOrBuildAsync("b", key, "v", () => { builds++; return gate.Task; });
        gate.SetResult(Doc(100));
        Assert.Same(await a, await b);
        Assert.Equal(1, builds);

        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetOrBuildAsync("b", key, "w", () => throw new InvalidOperationException("db gone")));
        Assert.Equal(0, cache.Count);
    }
}
