using MimeKit;

namespace Publisher.Email;

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
