using System.Text;
using MimeKit;

namespace Publisher.Email;

/// <summary>
/// The body of a text part, encoded once (UTF-8, CRLF line ends, lines kept short) and split at placeholders,
/// so each recipient's copy is a few block copies instead of a string replace, a UTF-8 encode and a base64
/// or quoted-printable pass. The result is sent as an 8bit part; MailKit re-encodes it to 7 bits by itself
/// when the server does not offer 8BITMIME, and <see cref="MailSigner"/> does so before signing for such a server.
/// </summary>
public sealed class PartTemplate
{
    /// <summary>RFC 5322's limit on a line, without its CRLF.</summary>
    public const int MaxLineOctets = 998;
    /// <summary>Long template lines are broken well below the limit, leaving room for the values filled in.</summary>
    public const int WrapOctets = 500;

    private readonly string _subtype;
    private readonly byte[][] _segments;   // static bytes; placeholder _holes[i] goes between _segments[i] and _segments[i + 1]
    private readonly int[] _holes;
    private readonly Line[] _linesWithHoles;
    private readonly int _staticOctets;

    /// <summary>A line that holds placeholders: its static octets and how many times each placeholder occurs in it.</summary>
    private readonly record struct Line(int StaticOctets, int[] Counts);

    private PartTemplate(string subtype, byte[][] segments, int[] holes, Line[] linesWithHoles)
    {
        _subtype = subtype;
        _segments = segments;
        _holes = holes;
        _linesWithHoles = linesWithHoles;
        _staticOctets = segments.Sum(segment => segment.Length);
    }

    /// <summary>
    /// Prepares <paramref name="text"/> for splicing; null when a line cannot be brought under the limit by
    /// turning a space into a line break (a very long run of CJK text with no space, say): such a part is
    /// left to MimeKit's own encoding.
    /// </summary>
    /// <param name="subtype">"plain" or "html".</param>
    /// <param name="breakAtSpaces">Whether spaces may become line breaks where that changes nothing (true for HTML; see
    /// <see cref="HtmlBreaks"/>). A line that cannot be brought under <see cref="WrapOctets"/> is kept whole up to
    /// <see cref="MaxLineOctets"/>.</param>
    public static PartTemplate? Create(string subtype, string text, IReadOnlyList<string> placeholders, bool breakAtSpaces)
    {
        var lines = new List<string>();
        var html = breakAtSpaces ? new HtmlBreaks() : null;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (!TryWrap(raw, html, lines)) return null;
        }
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);

        var segments = new List<byte[]>();
        var holes = new List<int>();
        var withHoles = new List<Line>();
        var current = new StringBuilder();
        foreach (var line in lines)
        {
            var counts = new int[placeholders.Count];
            int staticChars = 0, at = 0;
            while (true)
            {
                int next = -1, which = -1;
                for (int p = 0; p < placeholders.Count; p++)
                {
                    int i = line.IndexOf(placeholders[p], at, StringComparison.Ordinal);
                    if (i >= 0 && (next < 0 || i < next)) (next, which) = (i, p);
                }
                if (next < 0) break;
                current.Append(line, at, next - at);
                staticChars += Encoding.UTF8.GetByteCount(line.AsSpan(at, next - at));
                segments.Add(Encoding.UTF8.GetBytes(current.ToString()));
                current.Clear();
                holes.Add(which);
                counts[which]++;
                at = next + placeholders[which].Length;
            }
            current.Append(line, at, line.Length - at).Append("\r\n");
            if (counts.Any(c => c > 0))
                withHoles.Add(new Line(staticChars + Encoding.UTF8.GetByteCount(line.AsSpan(at)), counts));
        }
        segments.Add(Encoding.UTF8.GetBytes(current.ToString()));
        return new PartTemplate(subtype, [.. segments], [.. holes], [.. withHoles]);
    }

    private static bool TryWrap(string line, HtmlBreaks? html, List<string> into)
    {
        var breaks = html?.SafeSpaces(line) ?? [];
        // octets[i]: the UTF-8 length of line[..i].
        var octets = new int[line.Length + 1];
        for (int i = 0; i < line.Length; i++)
            octets[i + 1] = octets[i] + (char.IsHighSurrogate(line[i]) || char.IsLowSurrogate(line[i]) ? 2 : line[i] < 0x80 ? 1 : line[i] < 0x800 ? 2 : 3);
        int start = 0, next = 0;
        while (octets[line.Length] - octets[start] > WrapOctets)
        {
            // The last safe space that keeps this piece within WrapOctets, else within the hard limit.
            int cut = -1, hard = -1;
            for (; next < breaks.Count && octets[breaks[next]] - octets[start] <= MaxLineOctets; next++)
            {
                if (breaks[next] <= start) continue;
                if (octets[breaks[next]] - octets[start] <= WrapOctets) cut = breaks[next];
                hard = breaks[next];
            }
            if (cut < 0 && octets[line.Length] - octets[start] <= MaxLineOctets) break; // long, but legal as it is
            if (cut < 0) cut = hard;
            if (cut < 0) return false;
            into.Add(line[start..cut]);
            start = cut + 1;
            next = breaks.BinarySearch(start) is int found && found >= 0 ? found : ~found;
        }
        into.Add(line[start..]);
        return true;
    }

    /// <summary>
    /// Where a space in HTML may become a line break without changing anything: between attributes of a tag (outside
    /// quotes: a break inside a quoted CSS font name would void the declaration), and in text, where a line break
    /// is the same white space, except inside style, script, pre and textarea elements. Carries its state from one
    /// line to the next.
    /// </summary>
    private sealed class HtmlBreaks
    {
        private static readonly string[] Verbatim = ["style", "script", "pre", "textarea"];
        private bool _inTag;
        private char _quote;
        private string? _verbatim; // inside one of Verbatim: no breaks until its end tag

        public List<int> SafeSpaces(string line)
        {
            var safe = new List<int>();
            for (int i = 0; i < line.Length; i++)
            {
                char c = line[i];
                if (_inTag)
                {
                    if (_quote != 0) { if (c == _quote) _quote = '\0'; }
                    else if (c is '"' or '\'') _quote = c;
                    else if (c == '>') _inTag = false;
                    else if (c == ' ' && i > 0) safe.Add(i);
                }
                else if (c == '<')
                {
                    var rest = line.AsSpan(i + 1);
                    if (_verbatim is not null)
                    {
                        if (rest.StartsWith("/", StringComparison.Ordinal) && rest[1..].StartsWith(_verbatim, StringComparison.OrdinalIgnoreCase))
                        {
                            _verbatim = null;
                            _inTag = true;
                        }
                        continue;
                    }
                    _inTag = true;
                    foreach (var name in Verbatim)
                    {
                        if (rest.StartsWith(name, StringComparison.OrdinalIgnoreCase) && (rest.Length == name.Length || rest[name.Length] is ' ' or '>' or '/' or '\t'))
                            _verbatim = name;
                    }
                }
                else if (c == ' ' && _verbatim is null && i > 0) safe.Add(i);
            }
            return safe;
        }
    }

    /// <summary>
    /// One recipient's part, with <paramref name="values"/> (UTF-8, in the order of the placeholders) filled in;
    /// null when a value would make a line longer than RFC 5322 allows.
    /// </summary>
    public EightBitTextPart? Fill(IReadOnlyList<byte[]> values)
    {
        foreach (var line in _linesWithHoles)
        {
            int octets = line.StaticOctets;
            for (int p = 0; p < line.Counts.Length; p++) octets += line.Counts[p] * values[p].Length;
            if (octets > MaxLineOctets) return null;
        }
        int length = _staticOctets;
        foreach (var hole in _holes) length += values[hole].Length;
        var bytes = new byte[length];
        int offset = 0;
        for (int i = 0; i < _segments.Length; i++)
        {
            _segments[i].CopyTo(bytes, offset);
            offset += _segments[i].Length;
            if (i < _holes.Length)
            {
                values[_holes[i]].CopyTo(bytes, offset);
                offset += values[_holes[i]].Length;
            }
        }
        return new EightBitTextPart(_subtype, bytes);
    }
}
