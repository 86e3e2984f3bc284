using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Publisher.Admin;

/// <summary>
/// The admin API key: Publisher:AdminApiKey when set, else one generated on first start and kept in
/// &lt;DataPath&gt;/admin.key with mode 600 (owner read/write only).
/// </summary>
public sealed class AdminKey
{
    private readonly byte[] _key;
    public string? GeneratedPath { get; }

    public AdminKey(IOptions<PublisherOptions> options, ILogger<AdminKey> logger)
    {
        var o = options.Value;
        if (!string.IsNullOrEmpty(o.AdminApiKey))
        {
            _key = Encoding.UTF8.GetBytes(o.AdminApiKey);
            return;
        }
        GeneratedPath = Path.Combine(o.FullDataPath, "admin.key");
        _key = Encoding.UTF8.GetBytes(KeyFile.LoadOrCreate(GeneratedPath, out bool created));
        if (created) logger.LogWarning("Generated an admin API key in {Path} (mode 600); send it as 'Authorization: Bearer <key>'", GeneratedPath);
        else logger.LogInformation("Admin API key is read from {Path}", GeneratedPath);
    }

    /// <summary>What the dashboard cookie holds: derived from the key, so it changes with it and does not reveal it.</summary>
    public string DashboardCookie => Convert.ToHexString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("hangfire-dashboard")));

    public bool MatchesDashboardCookie(string candidate) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), Encoding.UTF8.GetBytes(DashboardCookie));

    public bool Matches(string candidate) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), SHA256.HashData(_key));
}
