using Publisher.WebSub;

namespace Publisher.Tests.WebSub;

public sealed class TopicTests
{
    private const string Base = "http://feeds.example.test";

    [Theory]
    [InlineData(Base + "/feeds/atom.xml", Base + "/feeds/atom.xml")]
    [InlineData(Base + "/feeds/categories/人民监督/rss.xml", Base + "/feeds/categories/%E4%BA%BA%E6%B0%91%E7%9B%91%E7%9D%A3/rss.xml")]
    [InlineData(Base + "/feeds/categories/%e4%ba%ba%e6%b0%91%e7%9b%91%e7%9d%a3/feed.json", Base + "/feeds/categories/%E4%BA%BA%E6%B0%91%E7%9B%91%E7%9D%A3/feed.json")]
    [InlineData(Base + "/feeds/atom.xml?page=2", null)]
    [InlineData(Base + "/feeds/categories//rss.xml", null)]
    [InlineData(Base + "/feeds/other.xml", null)]
    [InlineData("http://elsewhere.example/feeds/atom.xml", null)]
    public void ATopicIsOneOfTheSitesFeedsSpeltAsItsSelfLink(string topic, string? canonical) =>
        Assert.Equal(canonical, SubscriptionRequest.CanonicalTopic(topic, Base));
}
