using System.Text;

namespace Publisher.Tests.Fuzzing;

/// <summary>
/// A small seeded mutator: from sample inputs it makes new ones by flipping, deleting, repeating and splicing bytes and by
/// inserting tokens readers of this kind of input trip over (markup, entities, control characters, other digits, YAML
/// and CSV syntax, repeated thousands of times for depth). One seed gives the same inputs on every machine and run.
/// </summary>
public sealed class Mutator(int seed, IReadOnlyList<byte[]> samples)
{
    private readonly Random _random = new(seed);

    private static readonly byte[][] Tokens = new[]
    {
        "<div>", "</div>", "<b>", "<p>", "<li>", "<ul>", "<table>", "<td>", "<script>alert(1)</script>", "<a href=\"javascript:alert(1)\">",
        "<img src=x onerror=alert(1)>", "<!--", "-->", "<![CDATA[", "]]>", "&#1;", "&#x0;", "&#xD800;", "&amp;", "&lt;", "&", "<", ">",
        "\u0001", "\u001b", "\u0085", "\u2028", "\uFEFF", "\uFFFE", "\t", "\r", "\n", "\r\n", "\n\n", "　",
        "２０２４", "１月５日", "٢٠٢٤-٠١-٠٥", "२०२४", "2024-13-45", "+99:99", "-14:01", "Z", "T25:61", "9999999999", "年", "月", "日", "：", ":",
        "发布时间：", "来源：", "作者：", "当前位置：首页 > ", "您现在的位置：", " > ", ">>", "首页", "正文", "版权所有", "上一篇",
        "---\n", "...\n", "title: ", "date: ", "tags: [", "]", "{", "}", "\"", "'", "\\x01", "\\u0000", "\\uD800", "&a ", "*a", "!!binary ", "? ",
        "# ", "- ", "> ", "1. ", "* ", "```", "[", "](", "javascript:", "|", "\\",
        ",", ",,", "\"\"", "=cmd|' /C calc'!A1", "@", "a@b.c", "email,name\n", "x@[127.0.0.1]", "=?utf-8?b?QQ==?=",
    }.Select(Encoding.UTF8.GetBytes).Concat(new byte[][]
    {
        [0xFF, 0xFE], [0xFE, 0xFF], [0xEF, 0xBB, 0xBF], [0xED, 0xA0, 0x80], [0xC0, 0x80], [0x80], [0xFF], [0x00], [0xB2, 0xE2, 0xCA, 0xD4], // GBK 测试
    }).ToArray();

    /// <summary>The next input: a sample with one to eight mutations.</summary>
    public byte[] Next()
    {
        var data = new List<byte>(samples[_random.Next(samples.Count)]);
        int mutations = 1 + _random.Next(8);
        for (int m = 0; m < mutations; m++) Mutate(data);
        return data.ToArray();
    }

    private void Mutate(List<byte> data)
    {
        int At() => data.Count == 0 ? 0 : _random.Next(data.Count + 1);
        switch (_random.Next(9))
        {
            case 0 when data.Count > 0: // flip a bit
                int i = _random.Next(data.Count);
                data[i] ^= (byte)(1 << _random.Next(8));
                break;
            case 1 when data.Count > 0: // delete a range
                int from = _random.Next(data.Count);
                data.RemoveRange(from, Math.Min(data.Count - from, 1 + _random.Next(64)));
                break;
            case 2 when data.Count > 0: // repeat a range in place
                int start = _random.Next(data.Count), length = Math.Min(data.Count - start, 1 + _random.Next(32));
                var piece = data.GetRange(start, length);
                for (int r = _random.Next(1, 4); r > 0; r--) data.InsertRange(start, piece);
                break;
            case 3: // a token
            case 4:
                data.InsertRange(At(), Tokens[_random.Next(Tokens.Length)]);
                break;
            case 5: // a token many times over: depth, width, length
                var token = Tokens[_random.Next(Tokens.Length)];
                int times = _random.Next(4) == 0 ? 1000 + _random.Next(20_000) : 10 + _random.Next(500);
                var run = new byte[token.Length * times];
                for (int r = 0; r < times; r++) token.CopyTo(run, r * token.Length);
                data.InsertRange(At(), run);
                break;
            case 6: // splice in part of another sample
                var other = samples[_random.Next(samples.Count)];
                int o = _random.Next(other.Length + 1), n = Math.Min(other.Length - o, _random.Next(512));
                data.InsertRange(At(), other.Skip(o).Take(n));
                break;
            case 7 when data.Count > 0: // cut the end off
                int keep = _random.Next(data.Count + 1);
                data.RemoveRange(keep, data.Count - keep);
                break;
            default: // a random byte
                data.Insert(At(), (byte)_random.Next(256));
                break;
        }
    }
}
