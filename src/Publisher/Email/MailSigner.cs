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

    public void Sign(MimeMessage message)
    {
        if (_signer is null) return;
        // Fix every part's transfer encoding first: a relay re-encoding 8-bit text later would break the signature.
        message.Prepare(EncodingConstraint.SevenBit);
        _signer.Sign(message, Signed.Where(h => message.Headers.Contains(h)).ToArray());
    }
}
