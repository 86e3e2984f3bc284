using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace Publisher.Email;

/// <summary>Signs outgoing mail with DKIM (relaxed/relaxed, RSA-SHA256) when Publisher:Dkim is configured; otherwise does nothing.</summary>
public sealed class MailSigner
{
    private static readonly HeaderId[] Signed =
        [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId, HeaderId.MimeVersion, HeaderId.ContentType,
         HeaderId.ListId, HeaderId.ListUnsubscribe, HeaderId.ListUnsubscribePost];

    private readonly DkimSigner? _signer;

    public MailSigner(IOptions<PublisherOptions> options)
    {
        var dkim = options.Value.Dkim;
        if (!dkim.Enabled) return;
        _signer = new DkimSigner(dkim.PrivateKeyPath!, dkim.Domain!, dkim.Selector!, DkimSignatureAlgorithm.RsaSha256)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
    }

    public bool Enabled => _signer is not null;

    /// <summary>
    /// Signs <paramref name="message"/> as it will go to a transport that takes <paramref name="constraint"/>: each part's
    /// transfer encoding is fixed for it first, so nobody re-encodes a part after the signature (8bit stays 8bit for a
    /// server that offers 8BITMIME; 7 bits, base64 or quoted-printable, for one that does not). Signing again (a retry on a
    /// server that takes other encodings) replaces the earlier signature.
    /// </summary>
    public void Sign(MimeMessage message, EncodingConstraint constraint)
    {
        if (_signer is null) return;
        while (message.Headers.Contains(HeaderId.DkimSignature)) message.Headers.Remove(HeaderId.DkimSignature); // our own, from an earlier try
        message.Prepare(constraint);
        _signer.Sign(message, Signed.Where(h => IsPresent(message, h)).ToArray());
    }

    /// <summary>
    /// MimeKit keeps the top-level Content-* headers on the body entity, not in the message's headers; its signer looks
    /// for them there. Filtering by the message's headers alone left Content-Type unsigned.
    /// </summary>
    private static bool IsPresent(MimeMessage message, HeaderId header) =>
        message.Headers.Contains(header) || (header.ToHeaderName().StartsWith("Content-", StringComparison.OrdinalIgnoreCase)
            && message.Body is not null && message.Body.Headers.Contains(header));
}
