using System.Globalization;
using System.Text;

namespace Publisher.Email;

/// <summary>
/// Text as one line (<see cref="OneLine"/>: every run of white space, line breaks and Unicode line or paragraph separators
/// included, becomes one space, other control characters go), and text bound for a mail header (<see cref="ForHeader"/>,
/// also without encoded words). MimeKit encodes what it is given, so a line break that reached a header would survive
/// inside an encoded word and come back as a line in the reader.
/// </summary>
public static class HeaderText
{
    /// <summary>What a mail header may carry of <paramref name="text"/>: one line, no encoded words of its own.</summary>
    public static string ForHeader(string? text) => string.IsNullOrEmpty(text) ? "" : OneLine(WithoutEncodedWords(text));

    /// <summary>
    /// A List-Id (RFC 2919) for a list's name and id: the name as an RFC 5322 phrase (quoted strings and encoded words,
    /// so no "@", ":" or "&lt;" in it reads as an address or a second id), folded at spaces into lines well under 998
    /// octets, with the name cut to <paramref name="maxNameLength"/> characters.
    /// </summary>
    public static byte[] ListIdValue(string listName, string listId, int maxNameLength = 100)
    {
        string name = ForHeader(listName);
        if (name.Length > maxNameLength) name = name[..maxNameLength].TrimEnd() + "…";
        string phrase = Encoding.ASCII.GetString(MimeKit.Utils.Rfc2047.EncodePhrase(Encoding.UTF8, name));
        var value = new StringBuilder();
        int lineLength = "List-Id:".Length;
        foreach (string word in (phrase + " <" + listId + ">").Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            // Folding white space may stand between any two words, inside a quoted string too (RFC 5322 3.2.4).
            if (lineLength + 1 + word.Length > 76 && lineLength > 1) { value.Append("\r\n"); lineLength = 0; }
            value.Append(' ').Append(word);
            lineLength += 1 + word.Length;
        }
        return Encoding.ASCII.GetBytes(value.Append("\r\n").ToString());
    }

    public static string OneLine(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var line = new StringBuilder(text.Length);
        bool space = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                space = line.Length > 0;
                continue;
            }
            if (char.IsControl(c)) continue; // a NUL or a bell inside a word is dropped, not a gap
            if (space) { line.Append(' '); space = false; }
            line.Append(c);
        }
        return line.ToString();
    }

    /// <summary>
    /// Encoded words (<c>=?utf-8?b?…?=</c>) decoded, as a reader would decode them: MimeKit writes text that already
    /// looks encoded as it is, so a name holding one would reach the reader's screen as whatever it hides (a line
    /// break and a <c>Bcc:</c>). Decoded here, what they hide is seen and made one line like the rest.
    /// </summary>
    private static string WithoutEncodedWords(string text)
    {
        for (int round = 0; round < 4 && text.Contains("=?", StringComparison.Ordinal); round++)
        {
            string decoded = MimeKit.Utils.Rfc2047.DecodeText(Encoding.UTF8.GetBytes(text));
            if (decoded == text) break;
            text = decoded;
        }
        // Whatever is left that still looks like the start of one is broken up, so no reader decodes it.
        return text.Replace("=?", "=\u200B?", StringComparison.Ordinal);
    }
}
