using Publisher.Templates;

namespace Publisher.Tests.Digests;

public sealed class TextWrapTests
{
    [Fact]
    public void ChineseWrapsAtSeventyTwoColumnsCountingEachCharacterAsTwo()
    {
        string text = new string('字', 100);
        var lines = TextWrap.Wrap(text).Split('\n');
        Assert.Equal([new string('字', 36), new string('字', 36), new string('字', 28)], lines);
    }

    [Fact]
    public void ClosingPunctuationNeverStartsALine()
    {
        string text = new string('字', 36) + "。后文";
        var lines = TextWrap.Wrap(text).Split('\n');
        Assert.Equal(new string('字', 36) + "。", lines[0]);
        Assert.Equal("后文", lines[1]);
    }

    [Fact]
    public void SurrogatePairsAndCombiningSequencesAreNeverSplit()
    {
        string text = string.Concat(Enumerable.Repeat("𠀀", 50)) + string.Concat(Enumerable.Repeat("e\u0301", 80));
        foreach (var line in TextWrap.Wrap(text, 20).Split('\n'))
        {
            Assert.False(line.Length > 0 && char.IsLowSurrogate(line[0]), line);
            Assert.False(line.Length > 0 && char.IsHighSurrogate(line[^1]), line);
            Assert.False(line.StartsWith('\u0301'), line);
        }
        Assert.Equal(text, TextWrap.Wrap(text, 20).Replace("\n", ""));
    }

    [Fact]
    public void WordsAndUrlsStayWhole()
    {
        string url = "https://feeds.example.test/unsubscribe/" + new string('A', 60);
        string text = "Read more at " + url + " today";
        var lines = TextWrap.Wrap(text).Split('\n');
        Assert.Equal(["Read more at", url, "today"], lines);
    }
}
