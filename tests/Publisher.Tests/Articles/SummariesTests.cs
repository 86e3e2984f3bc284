using Publisher.Articles;

namespace Publisher.Tests.Articles;

public class SummariesTests
{
    [Fact]
    public void AShortBodyIsItsOwnSummary() => Assert.Equal("短文。", Summaries.Cut("短文。"));

    [Fact]
    public void ALongBodyIsCutAtTheSentenceEndNearestTheTarget()
    {
        string first = new string('甲', 100) + "。";   // ends at 101
        string second = new string('乙', 30) + "！";   // ends at 132
        string body = first + second + new string('丙', 200);
        Assert.Equal(first, Summaries.Cut(body));
    }

    [Fact]
    public void ClosingQuotesStayWithTheirSentence()
    {
        string body = new string('甲', 110) + "。”" + new string('乙', 200);
        Assert.Equal(new string('甲', 110) + "。”", Summaries.Cut(body));
    }

    [Fact]
    public void WithoutASentenceEndNearbyTheCutIsByCharactersWithAnEllipsis()
    {
        string body = new string('甲', 300);
        string summary = Summaries.Cut(body);
        Assert.Equal(new string('甲', 120) + "…", summary);
    }

    [Fact]
    public void ACutNeverSplitsASurrogatePair()
    {
        string body = string.Concat(Enumerable.Repeat("𠀀", 300)); // each is two UTF-16 units
        string summary = Summaries.Cut(body);
        Assert.Equal(string.Concat(Enumerable.Repeat("𠀀", 120)) + "…", summary);
        Assert.False(char.IsHighSurrogate(summary[^2]) && !char.IsLowSurrogate(summary[^1]));
    }
}
