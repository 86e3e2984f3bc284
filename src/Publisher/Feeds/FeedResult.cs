using Microsoft.Net.Http.Headers;

namespace Publisher.Feeds;

/// <summary>
/// Writes a built feed document: the representation Accept-Encoding asks for, validators made when the document was
/// built, and 304 when If-None-Match (or, without it, If-Modified-Since) says the client has it already.
/// </summary>
public sealed class FeedResult(FeedDocument doc) : IResult
{
    private static readonly Microsoft.Extensions.Primitives.StringValues CacheControl = "public, max-age=60";
    private static readonly Microsoft.Extensions.Primitives.StringValues VaryAcceptEncoding = HeaderNames.AcceptEncoding;

    public FeedDocument Document => doc;

    public Task ExecuteAsync(HttpContext http)
    {
        var request = http.Request;
        var response = http.Response;
        var chosen = FeedEncodings.Choose(doc, request.Headers.AcceptEncoding);
        var headers = response.Headers;
        headers.ContentType = doc.ContentTypeHeader;
        headers.ETag = chosen.ETagHeader;
        headers.LastModified = doc.LastModifiedHeader;
        headers.CacheControl = CacheControl;
        headers.Vary = VaryAcceptEncoding;
        if (chosen.ContentEncoding is not null) headers.ContentEncoding = chosen.EncodingHeader;

        if (NotModified(request, chosen))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            headers.ContentType = default;
            return Task.CompletedTask;
        }
        response.ContentLength = chosen.Bytes.Length;
        if (HttpMethods.IsHead(request.Method)) return Task.CompletedTask;
        return WriteAsync(response, chosen.Bytes, http.RequestAborted);
    }

    /// <summary>
    /// In one write: Kestrel copies the document into the connection's buffers and sends it with as few socket calls as
    /// it can, instead of a flush and a wait per 32 KB slice (two sends for a 37 KB gzip document, eleven for 331 KB
    /// identity). With the transport's write buffer raised to hold a whole document (HostingExtensions), one write
    /// took the service from 0.44-0.49 to 0.52-0.54 of nginx's rate uncompressed and from 0.52-0.55 to 0.69-0.79 with
    /// gzip (bench/README.md, third round).
    /// </summary>
    private static async Task WriteAsync(HttpResponse response, byte[] bytes, CancellationToken ct) =>
        await response.BodyWriter.WriteAsync(bytes, ct);

    private bool NotModified(HttpRequest request, FeedRepresentation chosen)
    {
        var ifNoneMatch = request.Headers.IfNoneMatch;
        if (ifNoneMatch.Count > 0)
        {
            // RFC 9110 13.1.2: weak comparison; "*" matches any current representation.
            foreach (var value in ifNoneMatch)
                foreach (var range in (value ?? "").AsSpan().Split(','))
                {
                    var tag = (value ?? "").AsSpan()[range].Trim();
                    if (tag.StartsWith("W/")) tag = tag[2..];
                    if (tag.SequenceEqual("*") || tag.SequenceEqual(chosen.ETag)) return true;
                }
            return false;
        }
        return HeaderUtilities.TryParseDate(request.Headers.IfModifiedSince.ToString(), out var since) && doc.LastModified <= since;
    }
}
