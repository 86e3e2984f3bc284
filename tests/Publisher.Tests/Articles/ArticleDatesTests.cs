using Publisher.Articles;

namespace Publisher.Tests.Articles;

public class ArticleDatesTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [Theory]
    [InlineData("２０２４-０１-０５", "2024-01-05T00:00:00+08:00")]
    [InlineData("２０２４年１月５日", "2024-01-05T00:00:00+08:00")]
    [InlineData("发布时间：２０２４年１月５日", "2024-01-05T00:00:00+08:00")]
    [InlineData("２０２４－０１－０５　１０：３０", "2024-01-05T10:30:00+08:00")]
    [InlineData("2024-01-05T10:00＋０９：００", "2024-01-05T10:00:00+09:00")]
    [InlineData("٢٠٢٤-٠١-٠٥", "2024-01-05T00:00:00+08:00")] // Arabic-Indic
    [InlineData("۲۰۲۴/۰۱/۰۵ ۰۸:۱۵", "2024-01-05T08:15:00+08:00")] // Extended Arabic-Indic
    [InlineData("२०२४-०१-०५", "2024-01-05T00:00:00+08:00")] // Devanagari
    public void DigitsOfOtherScriptsAreReadAsTheDatesTheyAre(string value, string expected)
    {
        Assert.True(ArticleDates.TryParse(value, Shanghai, out var date));
        Assert.Equal(DateTimeOffset.Parse(expected), date);
        Assert.Equal(DateTimeOffset.Parse(expected).Offset, date.Offset);
    }

    [Theory]
    [InlineData("2024-01-05T10:00+99:99")]
    [InlineData("2024-01-05T10:00+14:30")]
    [InlineData("2024-01-05T10:00-05:60")]
    [InlineData("2024-01-05 10:00 +2400")]
    [InlineData("２０２４-１３-０５")]
    [InlineData("2024-01-05 25:00")]
    [InlineData("99999999999-01-05")]
    public void ImpossibleDatesAndOffsetsAreRefusedNotThrown(string value) =>
        Assert.False(ArticleDates.TryParse(value, Shanghai, out _));

    [Fact]
    public void AHugeValueIsRefusedWithoutReadingIt()
    {
        string value = "2024-01-05" + new string(' ', 1_000_000) + "x";
        Assert.False(ArticleDates.TryParse(value, Shanghai, out _));
    }
}
