using System.Text;

namespace Publisher.Text;

/// <summary>
/// Removes characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF)
/// and C1 controls, which only ever arrive as scraping debris. Syndication writers either throw on
/// them or escape them into references no parser accepts, so they are dropped on the way in.
/// </summary>
public static class XmlSafeText
{
    public static string Clean(string text)
    {
        int first = IndexOfUnsafe(text);
        if (first < 0) return text;
        var sb = new StringBuilder(text.Length);
        sb.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[++i]);
                continue;
            }
            if (IsAllowed(c)) sb.Append(c);
        }
        return sb.ToString();
    }

    private static int IndexOfUnsafe(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (!IsAllowed(c)) return i;
        }
        return -1;
    }

    private static bool IsAllowed(char c) => c switch
    {
        '\t' or '\n' or '\r' => true,
        < '\u0020' => false,
        >= '\u007F' and <= '\u009F' => false,
        >= '\uD800' and <= '\uDFFF' => false, // a surrogate that is not part of a pair
        '\uFFFE' or '\uFFFF' => false,
        _ => true,
    };
}
