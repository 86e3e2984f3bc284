using Publisher.Feeds;

namespace Publisher.Tests.Feeds;

[Trait("Db", "Both")]
public sealed class FeedIndexTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), Later = Start.AddHours(1);

    private static FeedEntry E(int id, string? category, int day) => new(id, category, Start.AddDays(day).Ticks, Start.AddDays(day).Ticks);

    private static FeedIndex Sample() => FeedIndex.Create([E(1, "a", 1), E(2, "b", 2), E(3, "a", 3), E(4, null, 4), E(5, "b", 5)]);

    [Fact]
    public void AChangeRebuildsOnlyTheGroupsTheArticleLeftOrJoinedAndKeepsOrder()
    {
        var index = Sample();
        Assert.Equal([5, 4, 3, 2, 1], index.Site.Entries.Select(e => e.Id));

        // Article 1 moves from "a" to "b" and becomes the newest; a new article 6 lands in the middle of "b".
        var changed = index.With(new HashSet<int> { 1, 6 }, [E(1, "b", 9), E(6, "b", 3)], Later, out var touched);
        Assert.Equal(new HashSet<string?> { null, "a", "b" }, touched);
        Assert.Equal([1, 5, 4, 6, 3, 2], changed.Site.Entries.Select(e => e.Id));
        Assert.Equal([3], changed.Categories["a"].Entries.Select(e => e.Id));
        Assert.Equal([1, 5, 6, 2], changed.Categories["b"].Entries.Select(e => e.Id));
        Assert.Equal(Later, changed.Categories["b"].ChangedAt);
        Assert.Equal(6, changed.MaxId);
    }

    [Fact]
    public void ADeletionEmptiesAGroupAndAChangeThatChangesNothingKeepsEveryGroup()
    {
        var index = Sample();
        var deleted = index.With(new HashSet<int> { 1, 3 }, [], Later, out _);
        Assert.False(deleted.Categories.ContainsKey("a"));
        Assert.Equal(3, deleted.Count);

        var same = index.With(new HashSet<int> { 2 }, [E(2, "b", 2)], Later, out _);
        Assert.Same(index.Site, same.Site);
        Assert.Same(index.Categories["b"], same.Categories["b"]);
    }
}
