using System.Text;

namespace Publisher.Text;

/// <summary>
/// Turns the bytes of a text file (articles, CSV imports) into text: UTF-8 (with or without BOM), UTF-16 with a BOM,
/// or GB18030 (a superset of GBK and GB2312) when the bytes are not valid UTF-8.
/// </summary>
public static class TextFileDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly Encoding Gb18030;

    static TextFileDecoder()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        Gb18030 = Encoding.GetEncoding("GB18030", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
    }

    /// <summary>Decodes <paramref name="bytes"/>, or returns the one-line reason it cannot be read as text.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out string text, out string? error)
    {
        text = "";
        if (bytes.IsEmpty) { error = "empty file"; return false; }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) return TryWith(StrictUtf8, bytes[3..], "UTF-8", out text, out error);
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])) return TryWith(new UnicodeEncoding(false, false, true), bytes[2..], "UTF-16", out text, out error);
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])) return TryWith(new UnicodeEncoding(true, false, true), bytes[2..], "UTF-16", out text, out error);

        if (LooksBinary(bytes)) { error = "binary file, not text"; return false; }

        // Valid UTF-8 is almost never an accident; anything else from a Chinese site is GB18030 (GBK, GB2312).
        if (Decodes(StrictUtf8, bytes, out text) || Decodes(Gb18030, bytes, out text)) return Validate(ref text, out error);
        error = "not valid UTF-8 or GB18030 text";
        return false;
    }

    private static bool Decodes(Encoding encoding, ReadOnlySpan<byte> bytes, out string text)
    {
        try
        {
            text = encoding.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    private static bool TryWith(Encoding encoding, ReadOnlySpan<byte> bytes, string name, out string text, out string? error)
    {
        if (Decodes(encoding, bytes, out text)) return Validate(ref text, out error);
        error = $"not valid {name} text";
        return false;
    }

    private static bool Validate(ref string text, out string? error)
    {
        if (string.IsNullOrWhiteSpace(text)) { error = "empty file"; return false; }
        error = null;
        return true;
    }

    /// <summary>NUL bytes or a high share of control bytes in the first 8 KB mean this is not a text file.</summary>
    private static bool LooksBinary(ReadOnlySpan<byte> bytes)
    {
        var head = bytes[..Math.Min(bytes.Length, 8192)];
        if (head.Contains((byte)0)) return true;
        int control = 0;
        foreach (byte b in head)
            if (b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\r' and not 0x0C) control++;
        return control > head.Length / 20;
    }
}
