using System.Security.Cryptography;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Publisher.Tests.Support;

/// <summary>A throwaway DKIM key: the private half as a PEM file for the signer, the public half served to a verifier as DNS would.</summary>
public sealed class DkimTestKey : IDisposable
{
    public const string Domain = "news.example.cn";
    public const string Selector = "mail";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "publisher-tests", "dkim-" + Guid.NewGuid().ToString("N"));
    private readonly string _publicKey;

    public string PrivateKeyPath { get; }

    public DkimTestKey()
    {
        Directory.CreateDirectory(_folder);
        using var rsa = RSA.Create(2048);
        PrivateKeyPath = Path.Combine(_folder, "dkim.pem");
        File.WriteAllText(PrivateKeyPath, rsa.ExportRSAPrivateKeyPem());
        _publicKey = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
    }

    public DkimOptions Options => new() { Domain = Domain, Selector = Selector, PrivateKeyPath = PrivateKeyPath };

    /// <summary>Whether the message's (first) DKIM signature verifies.</summary>
    public Task<bool> VerifyAsync(MimeMessage message) =>
        new DkimVerifier(new Locator(_publicKey)).VerifyAsync(message, Signature(message));

    public static Header Signature(MimeMessage message) => message.Headers[message.Headers.IndexOf(HeaderId.DkimSignature)];

    private sealed class Locator(string publicKey) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken ct = default) =>
            domain == Domain && selector == Selector ? GetPublicKey($"v=DKIM1; k=rsa; p={publicKey}") : throw new InvalidOperationException("unknown key");

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken ct = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, ct));
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
