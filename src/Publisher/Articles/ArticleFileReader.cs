using System.Security.Cryptography;
using Publisher.Text;

namespace Publisher.Articles;

/// <summary>What reading one file gave: a draft, or the reason there is none, or that its bytes are the ones already stored.</summary>
public sealed record FileRead(ArticleDraft? Draft, string? Error, string Hash, ArticleFormat Format, bool Unchanged = false)
{
    public static FileRead Rejected(string error, ArticleFormat format = default) => new(null, error, "", format);
}

/// <summary>
/// Reads one article file within its limits: at most <c>MaxFileBytes</c> are read whatever the file says its size is (a link
/// to <c>/dev/zero</c> says 0), and the whole read, decode and parse must finish within <c>ReadTimeout</c>. A file that does
/// not (a named pipe nobody writes to, input that is slow to parse) is rejected, so the one watcher loop never stalls on it.
/// </summary>
public sealed class ArticleFileReader(ArticleOptions options, TimeZoneInfo zone, TimeProvider clock)
{
    public async Task<FileRead> ReadAsync(string file, string? knownHash, CancellationToken ct)
    {
        var format = Path.GetExtension(file).ToLowerInvariant() switch
        {
            ".txt" => ArticleFormat.Text,
            ".md" or ".markdown" => ArticleFormat.Markdown,
            _ => (ArticleFormat?)null,
        };
        if (format is null) return FileRead.Rejected($"unsupported file type '{Path.GetExtension(file)}' (expected .txt, .md or .markdown)");

        var abandon = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Parsers cannot be stopped halfway; past the timeout the work is left to finish (or block) on its own thread and
        // the file is rejected. Its token tells it to stop at the next step.
        var work = Task.Run(() => Read(file, knownHash, format.Value, abandon.Token), CancellationToken.None);
        try
        {
            return await work.WaitAsync(options.ReadTimeout, clock, ct);
        }
        catch (TimeoutException)
        {
            abandon.Cancel();
            return FileRead.Rejected($"not read within {options.ReadTimeout.TotalSeconds:0.###} s (Publisher:Articles:ReadTimeout): a named pipe, a device or input too slow to parse", format.Value);
        }
        finally
        {
            if (work.IsCompleted) abandon.Dispose();
        }
    }

    private FileRead Read(string file, string? knownHash, ArticleFormat format, CancellationToken abandoned)
    {
        byte[] bytes;
        try
        {
            if (!File.Exists(file)) return FileRead.Rejected("file not found", format);
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            if (ReadAtMost(stream, options.MaxFileBytes) is not { } read)
                return FileRead.Rejected($"file too large: more than {options.MaxFileBytes:N0} bytes, the limit (Publisher:Articles:MaxFileBytes)", format);
            bytes = read;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return FileRead.Rejected("cannot read file: " + ex.Message, format);
        }
        abandoned.ThrowIfCancellationRequested();
        string hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (hash == knownHash) return new(null, null, hash, format, Unchanged: true);
        if (!TextFileDecoder.TryDecode(bytes, out var text, out var decodeError)) return new(null, decodeError, hash, format);
        abandoned.ThrowIfCancellationRequested();
        var draft = format == ArticleFormat.Text ? ScrapedPageParser.Parse(text, zone) : MarkdownArticleParser.Parse(text, zone);
        return new(draft.Draft, draft.Error, hash, format);
    }

    /// <summary>The stream's bytes, or null when there are more than <paramref name="limit"/>; the size a file claims is not trusted.</summary>
    private static byte[]? ReadAtMost(Stream stream, long limit)
    {
        long claimed = stream.CanSeek ? stream.Length : 0;
        if (claimed > limit) return null;
        using var buffer = new MemoryStream(claimed > 0 ? (int)claimed : 64 * 1024);
        var chunk = new byte[64 * 1024];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > limit) return null;
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }
}
