using System.Globalization;
using System.Text;

namespace Publisher.Templates;

/// <summary>
/// Wraps plain text for mail: lines of at most <c>width</c> columns, a wide (CJK) character counting two.
/// Lines break between text elements, never inside a surrogate pair or a combining sequence; Latin words
/// and URLs are kept whole (a URL longer than a line stands alone on its line); CJK may break anywhere
/// but not before closing punctuation.
/// </summary>
public static class TextWrap
{
    private const string NoLineStart = "，。、；：！？）」』】》〉”’,.;:!?)]}";

    public static string Wrap(string text, int width = 72)
    {
        var output = new StringBuilder(text.Length + text.Length / width * 2);
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (output.Length > 0) output.Append('\n');
            WrapLine(line, width, output);
        }
        return output.ToString();
    }

    private static void WrapLine(string line, int width, StringBuilder output)
    {
        int column = 0;
        foreach (var token in Tokens(line))
        {
            int w = Width(token);
            bool isSpace = token == " ";
            if (column > 0 && column + w > width && !isSpace && !(token.Length == 1 && NoLineStart.Contains(token[0])))
            {
                TrimTrailingSpace(output);
                output.Append('\n');
                column = 0;
            }
            if (column == 0 && isSpace) continue;
            output.Append(token);
            column += w;
        }
    }

    /// <summary>Runs of non-space, non-wide characters (words, URLs) are one token; each wide character and each space is its own.</summary>
    private static IEnumerable<string> Tokens(string line)
    {
        var word = new StringBuilder();
        var elements = StringInfo.GetTextElementEnumerator(line);
        while (elements.MoveNext())
        {
            string e = (string)elements.Current;
            if (e == " " || IsWide(e))
            {
                if (word.Length > 0) { yield return word.ToString(); word.Clear(); }
                yield return e;
            }
            else word.Append(e);
        }
        if (word.Length > 0) yield return word.ToString();
    }

    public static int Width(string text)
    {
        int width = 0;
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext()) width += IsWide((string)elements.Current) ? 2 : 1;
        return width;
    }

    private static bool IsWide(string element)
    {
        int c = char.ConvertToUtf32(element, 0);
        return c is >= 0x1100 and <= 0x115F or >= 0x2E80 and <= 0xA4CF or >= 0xAC00 and <= 0xD7A3 or >= 0xF900 and <= 0xFAFF
            or >= 0xFE30 and <= 0xFE4F or >= 0xFF00 and <= 0xFF60 or >= 0xFFE0 and <= 0xFFE6 or >= 0x20000 and <= 0x3FFFD;
    }

    private static void TrimTrailingSpace(StringBuilder sb)
    {
        while (sb.Length > 0 && sb[^1] == ' ') sb.Length--;
    }
}
