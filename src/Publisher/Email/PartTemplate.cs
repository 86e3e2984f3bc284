using System.Text;
using MimeKit;

namespace Publisher.Email;

/// <summary>
/// The body of a text part, encoded once (UTF-8, CRLF line ends, lines kept short) and split at placeholders,
/// so each recipient's copy is a few block copies instead of a string replace, a UTF-8 encode and a base64
/// or quoted-printable pass. The result is sent as an 8bit part; MailKit re-encodes it to 7 bits by itself
/// when the server does not offer 8BITMIME, and <see cref="MailSigner"/> does so before signing.
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

    /// <summary>A line that holds placeholders: its static octets and how many times each placeholder occurs in it.</summary>
    private readonly record struct Line(int StaticOctets, int[] Counts);

    private PartTemplate(string subtype, byte[][] segments, int[] holes, Line[] linesWithHoles)
    {
        _subtype = subtype;
        _segments = segments;
        _holes = holes;
        _linesWithHoles = linesWithHoles;
    }

    /// <summary>
    /// Prepares <paramref name="text"/> for splicing; null when a line cannot be brought under the limit by
    /// turning a space into a line break (a very long run of CJK text with no space, say): such a part is
    /// left to MimeKit's own encoding.
    /// </summary>
    /// <param name="subtype">"plain" or "html".</param>
    /// <param name="breakAtSpaces">Whether a space may become a line break (true for HTML, where both are white space).</param>
    public static PartTemplate? Create(string subtype, string text, IReadOnlyList<string> placeholders, bool breakAtSpaces)
    {
        var lines = new List<string>();
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (!TryWrap(raw, breakAtSpaces, lines)) return null;
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

    private static bool TryWrap(string line, bool breakAtSpaces, List<string> into)
    {
        while (Encoding.UTF8.GetByteCount(line) > WrapOctets)
        {
            if (!breakAtSpaces) return false;
            // The last space that leaves the head within the limit.
            int cut = -1, octets = 0;
            for (int i = 0; i < line.Length; i++)
            {
                octets += Encoding.UTF8.GetByteCount(line.AsSpan(i, char.IsHighSurrogate(line[i]) && i + 1 < line.Length ? 2 : 1));
                if (char.IsHighSurrogate(line[i])) i++;
                if (octets > WrapOctets) break;
                if (line[i] == ' ' && i > 0) cut = i;
            }
            if (cut < 0) return false;
            into.Add(line[..cut]);
            line = line[(cut + 1)..];
        }
        into.Add(line);
        return true;
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
        int length = 0;
        foreach (var segment in _segments) length += segment.Length;
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

/// <summary>
/// A UTF-8 text part whose bytes are already what goes on the wire as 8bit (CRLF line ends, no line over 998
/// octets). It writes them out as they are instead of through MimeKit's filters; asked for 7 bits (no 8BITMIME,
/// or before DKIM signing) it lets MimeKit re-encode it like any other part.
/// </summary>
public sealed class EightBitTextPart : TextPart
{
    private readonly byte[] _bytes;

    public EightBitTextPart(string subtype, byte[] bytes) : base(subtype)
    {
        _bytes = bytes;
        ContentType.Charset = "utf-8";
        Content = new MimeContent(new MemoryStream(bytes, writable: false), ContentEncoding.EightBit);
        ContentTransferEncoding = ContentEncoding.EightBit;
    }

    public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
    {
        // Already 8bit with short lines; only a 7-bit constraint calls for re-encoding.
        if (constraint == EncodingConstraint.SevenBit) base.Prepare(constraint, maxLineLength);
    }

    private bool WritesRaw(FormatOptions options) =>
        ContentTransferEncoding == ContentEncoding.EightBit && options.NewLineFormat == NewLineFormat.Dos;

    public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly = false, CancellationToken cancellationToken = default)
    {
        if (!WritesRaw(options))
        {
            base.WriteTo(options, stream, contentOnly, cancellationToken);
            return;
        }
        if (!contentOnly) Headers.WriteTo(options, stream, cancellationToken); // with the blank line that ends them
        stream.Write(_bytes);
    }

    public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly = false, CancellationToken cancellationToken = default)
    {
        if (!WritesRaw(options))
        {
            await base.WriteToAsync(options, stream, contentOnly, cancellationToken);
            return;
        }
        if (!contentOnly) await Headers.WriteToAsync(options, stream, cancellationToken);
        await stream.WriteAsync(_bytes, cancellationToken);
    }
}
