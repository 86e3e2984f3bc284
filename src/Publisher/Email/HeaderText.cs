using System.Globalization;
using System.Text;

namespace Publisher.Email;

/// <summary>
/// Text bound for a mail header (a subject, a display name, a list's name) as one line: every run of white space
/// (line breaks, Unicode line and paragraph separators included) becomes one space, other control characters go. MimeKit encodes what it is given,
/// so a line break that reached a header would survive inside an encoded word and come back as a line in the reader.
/// </summary>
public static class HeaderText
{
    public static string OneLine(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        text = WithoutEncodedWords(text);
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
