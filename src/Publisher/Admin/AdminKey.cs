using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Publisher.Admin;

/// <summary>
/// The admin API key: Publisher:AdminApiKey when set, else one generated on first start and kept in
/// &lt;DataPath&gt;/admin.key with mode 600 (owner read/write only), or on PostgreSQL in the database, shared by
/// every host (<see cref="Data.SharedSecrets"/>).
/// </summary>
public sealed class AdminKey
{
    /// <summary>How long a sign-in lasts, to the dashboard or the console.</summary>
    public static readonly TimeSpan DashboardSession = TimeSpan.FromHours(8);

    private readonly byte[] _key;
    private readonly Lazy<byte[]> _dashboardSecret;
    public string? GeneratedPath { get; }

    public AdminKey(IOptions<PublisherOptions> options, Data.SharedSecrets secrets, ILogger<AdminKey> logger)
    {
        var o = options.Value;
        // Signs dashboard cookies: deleting the file or row (then restarting) signs everyone out without changing the admin key.
        _dashboardSecret = new(() => Encoding.UTF8.GetBytes(secrets.LoadOrCreate("dashboard", out _)));
        if (!string.IsNullOrEmpty(o.AdminApiKey))
        {
            _key = Encoding.UTF8.GetBytes(o.AdminApiKey);
            return;
        }
        GeneratedPath = secrets.WhereIs("admin");
        _key = Encoding.UTF8.GetBytes(secrets.LoadOrCreate("admin", out bool created));
        if (created) logger.LogWarning("Generated an admin API key in {Path} (mode 600); send it as 'Authorization: Bearer <key>'", GeneratedPath);
        else logger.LogInformation("Admin API key is read from {Path}", GeneratedPath);
    }

    /// <summary>
    /// What a session cookie holds (the dashboard's, the console's): its expiry and a signature over it, its purpose and
    /// the admin key by a server-side secret, so it ends by itself, changes with the key, serves only the purpose it was
    /// made for, and is revoked for everyone by deleting <c>dashboard.key</c>.
    /// </summary>
    public string SessionCookie(string purpose, DateTimeOffset now)
    {
        long expires = (now + DashboardSession).ToUnixTimeSeconds();
        return $"{expires}.{SessionSignature(purpose, expires)}";
    }

    public bool MatchesSessionCookie(string purpose, string candidate, DateTimeOffset now)
    {
        int dot = candidate.IndexOf('.');
        if (dot <= 0 || !long.TryParse(candidate.AsSpan(0, dot), System.Globalization.NumberStyles.None, null, out long expires)) return false;
        if (expires <= now.ToUnixTimeSeconds()) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate[(dot + 1)..]), Encoding.ASCII.GetBytes(SessionSignature(purpose, expires)));
    }

    public const string DashboardPurpose = "hangfire-dashboard";

    public string DashboardCookie(DateTimeOffset now) => SessionCookie(DashboardPurpose, now);

    public bool MatchesDashboardCookie(string candidate, DateTimeOffset now) => MatchesSessionCookie(DashboardPurpose, candidate, now);

    private string SessionSignature(string purpose, long expires) =>
        Convert.ToHexString(HMACSHA256.HashData(_dashboardSecret.Value, (byte[])[.. _key, .. Encoding.UTF8.GetBytes($"|{purpose}|{expires}")]));

    public bool Matches(string candidate) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), SHA256.HashData(_key));
}
