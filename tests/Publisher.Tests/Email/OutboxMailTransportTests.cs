using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Publisher.Email;
using Publisher.Tests.Support;

namespace Publisher.Tests.Email;

public sealed class OutboxMailTransportTests
{
    [Fact]
    public async Task EachMessageIsOneCompleteEmlFileInTheOutbox()
    {
        using var site = new TempSite();
        var options = Options.Create(new PublisherOptions { DataPath = site.DataPath });
        var transport = new OutboxMailTransport(options, new MailSigner(options));
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("publisher@example.org"));
        message.To.Add(new MailboxAddress("张三", "zhang@example.org"));
        message.Subject = "中文主题";
        message.Body = new TextPart("plain") { Text = "正文" };

        await transport.SendAsync(message);
        await transport.SendAsync(message);

        var files = Directory.GetFiles(Path.Combine(site.DataPath, "outbox"));
        Assert.Equal(2, files.Length);
        Assert.All(files, f => Assert.EndsWith(".eml", f));
        var read = await MimeMessage.LoadAsync(files[0]);
        Assert.Equal("中文主题", read.Subject);
        Assert.Equal("正文", read.TextBody?.Trim());
    }

    [Fact]
    public async Task AWriteThatFailsMidwayLeavesNoFileBehind()
    {
        using var site = new TempSite();
        var options = Options.Create(new PublisherOptions { DataPath = site.DataPath });
        var transport = new OutboxMailTransport(options, new MailSigner(options));
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("publisher@example.org"));
        message.To.Add(MailboxAddress.Parse("zhang@example.org"));
        message.Body = new TextPart("plain") { Text = new string('字', 100_000) };
        using var stopped = new CancellationTokenSource();
        stopped.Cancel(); // the write stops after the file was created, as a full disk would stop it
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => transport.SendAsync(message, stopped.Token));
        Assert.Empty(Directory.GetFiles(Path.Combine(site.DataPath, "outbox"), "*", new EnumerationOptions { AttributesToSkip = 0 }));
    }

    private sealed class OneKey(string publicKeyBase64) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken ct = default) =>
            domain == "example.org" && selector == "mail" ? GetPublicKey($"v=DKIM1; k=rsa; p={publicKeyBase64}") : throw new InvalidOperationException("unknown key");
        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken ct = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, ct));
    }

    [Fact]
    public async Task WithAKeyConfiguredEveryMessageCarriesAValidDkimSignature()
    {
        using var site = new TempSite();
        string key = Path.Combine(site.Root, "dkim.pem");
        var rsa = System.Security.Cryptography.RSA.Create(2048);
        File.WriteAllText(key, rsa.ExportRSAPrivateKeyPem());
        string publicKey = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        var options = Options.Create(new PublisherOptions { DataPath = site.DataPath, Dkim = new DkimOptions { Domain = "example.org", Selector = "mail", PrivateKeyPath = key } });
        var transport = new OutboxMailTransport(options, new MailSigner(options));
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("digest@example.org"));
        message.To.Add(new MailboxAddress("李雷", "li@example.net"));
        message.Subject = "政务要闻";
        message.Headers.Add(HeaderId.ListUnsubscribe, "<https://example.org/unsubscribe/x>");
        message.Body = new TextPart("html") { Text = "<p>正文</p>" };

        await transport.SendAsync(message);

        var sent = await MimeMessage.LoadAsync(Directory.GetFiles(Path.Combine(site.DataPath, "outbox")).Single());
        var signature = sent.Headers[sent.Headers.IndexOf(HeaderId.DkimSignature)];
        Assert.Contains("d=example.org", signature.Value);
        Assert.Contains("list-unsubscribe", signature.Value.ToLowerInvariant());
        var verifier = new DkimVerifier(new OneKey(publicKey));
        Assert.True(await verifier.VerifyAsync(sent, signature));

        ((TextPart)sent.Body!).Text = "<p>改过的正文</p>";
        Assert.False(await verifier.VerifyAsync(sent, signature));
    }
}
