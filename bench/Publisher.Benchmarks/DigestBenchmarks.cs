using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Publisher.Articles;
using Publisher.Digests;
using Publisher.Subscribers;
using Publisher.Templates;

namespace Publisher.Benchmarks;

/// <summary>
/// What one digest costs to make: rendering it (Razor, CSS inlining, text wrapping: once per digest) and
/// making one recipient's message from it (name and unsubscribe link filled in, MIME written out as it would
/// go on the wire: once per recipient). 20 Chinese articles, as in the issue.
/// </summary>
[MemoryDiagnoser]
public class DigestBenchmarks
{
    private const string BaseUrl = DigestFixture.BaseUrl;
    private ServiceProvider _services = null!;
    private DigestComposer _composer = null!;
    private MailingList _list = null!;
    private List<Article> _articles = null!;
    private DigestComposer.Rendered _rendered = null!;
    private int _recipient;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _services = DigestFixture.Services(DigestFixture.Options("政务公开 <digest@news.example.cn>"));
        _composer = _services.GetRequiredService<DigestComposer>();
        _list = new MailingList { Id = 1, Name = "news", Description = "政务要闻" };
        _articles = DigestFixture.Articles(20);
        _rendered = await RenderAsync();
    }

    [GlobalCleanup]
    public ValueTask CleanupAsync() => _services.DisposeAsync();

    private Task<DigestComposer.Rendered> RenderAsync() => _composer.RenderAsync(_list, _articles, 0, BaseUrl, DateTimeOffset.UtcNow);

    /// <summary>Once per digest: Razor HTML and text, CSS inlined, text wrapped.</summary>
    [Benchmark]
    public Task<DigestComposer.Rendered> Render() => RenderAsync();

    /// <summary>What the SMTP server offers: EightBit with 8BITMIME (Postfix and most servers), SevenBit without.</summary>
    [Params(EncodingConstraint.EightBit, EncodingConstraint.SevenBit)]
    public EncodingConstraint Server { get; set; }

    /// <summary>Once per recipient: the personalized message, MIME-encoded as it goes out.</summary>
    [Benchmark(Baseline = true)]
    public long PersonalizeAndEncode()
    {
        int n = ++_recipient;
        var message = _composer.Personalize(_rendered, n, n, $"reader{n}@example.cn", $"读者{n}", $"digest-1.subscriber-{n}@news.example.cn", BaseUrl);
        message.Prepare(Server);
        var counter = new CountingStream();
        message.WriteTo(FormatOptions.Default, counter);
        return counter.Length;
    }

    /// <summary>One personalized digest from nothing: render, then that recipient's message, MIME-encoded.</summary>
    [Benchmark]
    public async Task<long> RenderPersonalizeAndEncode()
    {
        _rendered = await RenderAsync();
        return PersonalizeAndEncode();
    }

    /// <summary>A stream that only counts what is written to it, as a socket would take it.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
    }
}
