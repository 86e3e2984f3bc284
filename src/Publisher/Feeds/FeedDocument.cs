using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.Extensions.Primitives;

namespace Publisher.Feeds;

/// <summary>One form of a feed document as it goes on the wire: its bytes, its Content-Encoding and its own strong ETag.</summary>
public sealed record FeedRepresentation(byte[] Bytes, string? ContentEncoding, string ETag)
{
    /// <summary>Header values made once, so serving a request allocates none of them.</summary>
    public StringValues ETagHeader { get; } = ETag;
    public StringValues EncodingHeader { get; } = ContentEncoding is null ? StringValues.Empty : new StringValues(ContentEncoding);
}

/// <summary>
/// One serialized feed (or feed page) as served: the identity bytes and their gzip and Brotli forms, each compressed
/// once when the document is built, with validators derived from the bytes.
/// </summary>
public sealed class FeedDocument
{
    public FeedRepresentation Identity { get; }
    public FeedRepresentation Gzip { get; }
    public FeedRepresentation Brotli { get; }
    public string ContentType { get; }
    public DateTimeOffset LastModified { get; }
    public StringValues ContentTypeHeader { get; }
    public StringValues LastModifiedHeader { get; }

    public byte[] Bytes => Identity.Bytes;
    public string ETag => Identity.ETag;
    /// <summary>What the document holds in memory, for the bounded page cache.</summary>
    public long Size => Identity.Bytes.Length + Gzip.Bytes.Length + Brotli.Bytes.Length + 512;

    private FeedDocument(FeedRepresentation identity, FeedRepresentation gzip, FeedRepresentation brotli, string contentType, DateTimeOffset lastModified)
    {
        (Identity, Gzip, Brotli, ContentType, LastModified) = (identity, gzip, brotli, contentType, lastModified);
        ContentTypeHeader = contentType;
        LastModifiedHeader = lastModified.ToString("R", CultureInfo.InvariantCulture);
    }

    public static FeedDocument Create(byte[] bytes, string contentType, DateTimeOffset lastModified) =>
        CreateAll([(bytes, contentType, lastModified)])[0];

    /// <summary>
    /// Documents for several serialized feeds, compressed on all cores: each document's Brotli form, and its gzip form
    /// with its hash, are separate jobs, the longer Brotli ones first, so the cores finish together (a rebuild makes six).
    /// </summary>
    public static FeedDocument[] CreateAll(IReadOnlyList<(byte[] Bytes, string ContentType, DateTimeOffset LastModified)> sources)
    {
        int n = sources.Count;
        var hashes = new string[n];
        var gzips = new byte[n][];
        var brotlis = new byte[n][];
        void Job(int j)
        {
            if (j < n) brotlis[j] = BrotliOf(sources[j].Bytes);
            else
            {
                gzips[j - n] = GzipOf(sources[j - n].Bytes);
                hashes[j - n] = Hash(sources[j - n].Bytes);
            }
        }
        if (n == 1) { Job(0); Job(1); }
        else Parallel.ForEach(Partitioner.Create(Enumerable.Range(0, 2 * n).ToArray(), loadBalance: true), Job);

        var docs = new FeedDocument[n];
        for (int i = 0; i < n; i++)
        {
            var (bytes, contentType, lastModified) = sources[i];
            // A strong validator names one representation: the compressed forms get ETags of their own.
            docs[i] = new FeedDocument(
                new FeedRepresentation(bytes, null, $"\"{hashes[i]}\""),
                new FeedRepresentation(gzips[i], "gzip", $"\"{hashes[i]}-gz\""),
                new FeedRepresentation(brotlis[i], "br", $"\"{hashes[i]}-br\""),
                contentType, TruncateToSeconds(lastModified));
        }
        return docs;
    }

    /// <summary>The same bytes under a later Last-Modified (when the bytes changed but no item's date did).</summary>
    public FeedDocument WithLastModified(DateTimeOffset lastModified) =>
        new(Identity, Gzip, Brotli, ContentType, TruncateToSeconds(lastModified));

    private static string Hash(byte[] bytes) =>
        Convert.ToBase64String(SHA256.HashData(bytes), 0, 18).Replace('+', '-').Replace('/', '_');

    /// <summary>zlib's default level: within 2% of its smallest output at less than half the time (bench/README.md).</summary>
    private static byte[] GzipOf(byte[] bytes)
    {
        // Into a pooled buffer that holds any output (deflate adds 5 bytes per stored 64 KB block at worst): no
        // growing and copying of a large array per document.
        var pooled = ArrayPool<byte>.Shared.Rent(bytes.Length + bytes.Length / 64 + 256);
        try
        {
            using var buffer = new MemoryStream(pooled, 0, pooled.Length, writable: true);
            using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(bytes);
            return pooled.AsSpan(0, (int)buffer.Position).ToArray();
        }
        finally { ArrayPool<byte>.Shared.Return(pooled); }
    }

    /// <summary>
    /// Brotli quality 6 with a 4 MB window: 18% larger than quality 11 on a 350 KB Chinese feed but about 5 ms instead
    /// of 500, and a document is compressed inside the rebuild (bench/README.md has the measurements).
    /// </summary>
    private static byte[] BrotliOf(byte[] bytes)
    {
        var output = ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(bytes.Length));
        try
        {
            if (!BrotliEncoder.TryCompress(bytes, output, out int written, quality: BrotliQuality, window: 22))
                throw new InvalidOperationException("Brotli could not compress a feed document.");
            return output.AsSpan(0, written).ToArray();
        }
        finally { ArrayPool<byte>.Shared.Return(output); }
    }

    public const int BrotliQuality = 6;

    // HTTP dates have whole seconds; comparing If-Modified-Since against sub-second times would never match.
    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) =>
        new(t.UtcDateTime.Ticks - t.UtcDateTime.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
