using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Publisher.Subscribers;

/// <summary>What a token is for. Confirm and Unsubscribe name a membership; Manage names a subscriber (all their lists).</summary>
public enum TokenPurpose : byte { Confirm = 1, Unsubscribe = 2, Manage = 3 }

/// <summary>
/// Signed tokens for links in mail: version, purpose, membership (or subscriber) id and expiry, then an HMAC-SHA256 over
/// them (truncated to 128 bits), base64url. They cannot be forged or enumerated without the secret, and a
/// token for one purpose never works for another. See Subscribers/README.md for the layout.
/// </summary>
public sealed class SubscriberTokens
{
    private const byte Version = 1;
    private const int PayloadLength = 1 + 1 + 4 + 8;
    private const int MacLength = 16;
    public static readonly TimeSpan ConfirmLifetime = TimeSpan.FromDays(7);
    /// <summary>
    /// A manage link opens the person's data (and its erasure) to whoever holds the mail: it lapses, and every new mail
    /// carries a fresh one. Unsubscribe links never lapse (one-click must keep working in an old mail).
    /// </summary>
    public static readonly TimeSpan ManageLifetime = TimeSpan.FromDays(90);

    private readonly byte[] _key;
    private readonly byte[] _addressKey;
    private readonly TimeProvider _clock;

    public SubscriberTokens(IOptions<PublisherOptions> options, Data.SharedSecrets secrets, TimeProvider clock, ILogger<SubscriberTokens> logger)
    {
        _clock = clock;
        var o = options.Value;
        string secret;
        if (!string.IsNullOrEmpty(o.Secret)) secret = o.Secret;
        else
        {
            secret = secrets.LoadOrCreate("secret", out bool created);
            if (created) logger.LogWarning("Generated the token secret in {Path}; keep it: changing it invalidates every link already mailed", secrets.WhereIs("secret"));
        }
        _key = SHA256.HashData(Encoding.UTF8.GetBytes("publisher-subscriber-tokens\n" + secret));
        _addressKey = SHA256.HashData(Encoding.UTF8.GetBytes("publisher-erased-addresses\n" + secret));
    }

    /// <param name="membershipId">The membership for Confirm and Unsubscribe; the subscriber for Manage.</param>
    public string Create(TokenPurpose purpose, int membershipId)
    {
        long expires = purpose switch
        {
            TokenPurpose.Confirm => _clock.GetUtcNow().Add(ConfirmLifetime).ToUnixTimeSeconds(),
            TokenPurpose.Manage => _clock.GetUtcNow().Add(ManageLifetime).ToUnixTimeSeconds(),
            _ => 0,
        };
        Span<byte> token = stackalloc byte[PayloadLength + MacLength];
        token[0] = Version;
        token[1] = (byte)purpose;
        BinaryPrimitives.WriteInt32BigEndian(token[2..6], membershipId);
        BinaryPrimitives.WriteInt64BigEndian(token[6..14], expires);
        Mac(token[..PayloadLength], token[PayloadLength..]);
        return Convert.ToBase64String(token).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The membership a token names, when it is genuine, for this purpose, and not expired.</summary>
    public bool TryRead(string token, TokenPurpose purpose, out int membershipId)
    {
        membershipId = 0;
        if (token.Length is < 20 or > 64) return false;
        // Only the form we write (base64url, unpadded): one token, one spelling.
        if (!token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return false;
        Span<byte> bytes = stackalloc byte[48];
        string b64 = token.Replace('-', '+').Replace('_', '/');
        b64 += new string('=', (4 - b64.Length % 4) % 4);
        if (!Convert.TryFromBase64String(b64, bytes, out int length) || length != PayloadLength + MacLength) return false;
        Span<byte> expected = stackalloc byte[MacLength];
        Mac(bytes[..PayloadLength], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes.Slice(PayloadLength, MacLength))) return false;
        if (bytes[0] != Version || bytes[1] != (byte)purpose) return false;
        long expires = BinaryPrimitives.ReadInt64BigEndian(bytes[6..14]);
        if (expires != 0 && _clock.GetUtcNow().ToUnixTimeSeconds() > expires) return false;
        membershipId = BinaryPrimitives.ReadInt32BigEndian(bytes[2..6]);
        return true;
    }

    /// <summary>
    /// A keyed hash (HMAC-SHA256, hex) of an address's <see cref="EmailAddress.Key"/>: what is kept of an erased subscriber.
    /// Keyed with the secret, so nobody holding the database can test guessed addresses against it.
    /// </summary>
    public string AddressHash(string emailKey) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_addressKey, Encoding.UTF8.GetBytes(emailKey)));

    private void Mac(ReadOnlySpan<byte> payload, Span<byte> into)
    {
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(_key, payload, full);
        full[..MacLength].CopyTo(into);
    }
}
