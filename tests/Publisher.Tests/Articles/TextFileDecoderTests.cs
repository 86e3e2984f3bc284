using Publisher.Text;
using System.Text;
using Publisher.Articles;

namespace Publisher.Tests.Articles;

public class TextFileDecoderTests
{
    private const string Chinese = "当前所在: 网站首页>> 人民监督 >>正文\r\n最高检机关党组织党建风采纪实\r\n";

    static TextFileDecoderTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    [Fact]
    public void Utf8WithAndWithoutBomAndGb18030AllDecodeToTheSameText()
    {
        var utf8 = Encoding.UTF8.GetBytes(Chinese);
        var bom = (byte[])[0xEF, 0xBB, 0xBF, .. utf8];
        var gbk = Encoding.GetEncoding("GB18030").GetBytes(Chinese);
        Assert.NotEqual(utf8, gbk);

        foreach (var bytes in new[] { utf8, bom, gbk })
        {
            Assert.True(TextFileDecoder.TryDecode(bytes, out var text, out var error), error);
            Assert.Equal(Chinese, text);
        }
    }

    [Fact]
    public void Utf16WithBomDecodes()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Chinese)).ToArray();
        Assert.True(TextFileDecoder.TryDecode(bytes, out var text, out _));
        Assert.Equal(Chinese, text);
    }

    [Theory]
    [InlineData(new byte[0], "empty file")]
    [InlineData(new byte[] { 0x20, 0x0A, 0x20 }, "empty file")]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D }, "binary file, not text")]
    public void EmptyAndBinaryFilesAreRefusedWithAReason(byte[] bytes, string reason)
    {
        Assert.False(TextFileDecoder.TryDecode(bytes, out _, out var error));
        Assert.Equal(reason, error);
    }

    [Fact]
    public void ForbiddenXmlCharactersAreRemovedAndSurrogatePairsKept()
    {
        Assert.Equal("ab\tc\nd𠀀e", XmlSafeText.Clean("a\u0001b\tc\nd\u000b𠀀\u0085e\uFFFE"));
        Assert.Equal("xy", XmlSafeText.Clean("x\uD800y"));
    }
}
