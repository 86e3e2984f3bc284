using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Publisher.Tests.Support;

namespace Publisher.Tests.Feeds;

/// <summary>Compressed feeds as a reader's HTTP client negotiates them, with validators that still work.</summary>
public sealed class FeedCompressionTests : IDisposable
{
    private readonly TempSite _site = new();
    public void Dispose() => _site.Dispose();

    private static HttpRequestMessage Get(string path, string? acceptEncoding, string? ifNoneMatch = null, string method = "GET")
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (acceptEncoding is not null) request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        if (ifNoneMatch is not null) request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        return request;
    }

    private static byte[] Decode(byte[] body, string? encoding)
    {
        using var input = new MemoryStream(body);
        using Stream decoder = encoding switch
        {
            "gzip" => new GZipStream(input, CompressionMode.Decompress),
            "br" => new BrotliStream(input, CompressionMode.Decompress),
            _ => input,
        };
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }

    [Theory]
    [InlineData("/feeds/rss.xml")]
    [InlineData("/feeds/atom.xml")]
    [InlineData("/feeds/feed.json")]
    [InlineData("/feeds/categories/%E4%BA%BA%E6%B0%91%E7%9B%91%E7%9D%A3/atom.xml")]
    public async Task EachEncodingHasItsOwnStrongETagAndAnswers304(string path)
    {
        _site.AddSeed();
        _site.AddFixture("01_notice_gt_datetime.txt");
        using var factory = new PublisherFactory(_site.Settings());
        var client = factory.CreateClient();
        await Eventually.HoldsAsync(async () => (await client.GetStringAsync("/feeds/rss.xml")).Contains("临江市"), TimeSpan.FromSeconds(30), "published");

        var plain = await client.SendAsync(Get(path, null));
        byte[] identity = await plain.Content.ReadAsByteArrayAsync();
        var etags = new HashSet<string> { plain.Headers.ETag!.Tag };
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", plain.Headers.Vary);

        foreach (var (accept, expected) in new[] { ("gzip", "gzip"), ("gzip, deflate, br", "br"), ("br;q=0.5, gzip", "gzip"), ("br, gzip;q=0", "br"), ("*", "br"), ("gzip;q=0, br;q=0", null) })
        {
            var response = await client.SendAsync(Get(path, accept));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(expected, response.Content.Headers.ContentEncoding.SingleOrDefault());
            Assert.Contains("Accept-Encoding", response.Headers.Vary);
            var etag = response.Headers.ETag!;
            Assert.False(etag.IsWeak);
            if (expected is not null) etags.Add(etag.Tag);
            byte[] body = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(body.Length, response.Content.Headers.ContentLength);
            Assert.Equal(identity, Decode(body, expected));
            if (expected is not null) Assert.True(body.Length < identity.Length / 2, $"{expected}: {body.Length} of {identity.Length} bytes");

            var again = await client.SendAsync(Get(path, accept, etag.Tag));
            Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
            Assert.Equal(etag.Tag, again.Headers.ETag!.Tag);
            Assert.Empty(await again.Content.ReadAsByteArrayAsync());
        }
        Assert.Equal(3, etags.Count); // identity, gzip and br each have their own

        // The identity ETag does not answer 304 for a gzip response: the client does not hold those bytes.
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Get(path, "gzip", plain.Headers.ETag!.Tag))).StatusCode);
        // A list of tags is read element by element, and a weak prefix does not hide a match (weak comparison).
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(Get(path, null, "\"other\", W/" + plain.Headers.ETag!.Tag))).StatusCode);

        var head = await client.SendAsync(Get(path, "br", method: "HEAD"));
        Assert.Equal("br", head.Content.Headers.ContentEncoding.Single());
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }
}
