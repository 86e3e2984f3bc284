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
        _key = Encoding.UTF8.GetBytes(LoadOrCreate(GeneratedPath, out bool created));
        if (created) logger.LogWarning("Generated an admin API key in {Path} (mode 600); send it as 'Authorization: Bearer <key>'", GeneratedPath);
        else logger.LogInformation("Admin API key is read from {Path}", GeneratedPath);
    }

    public bool Matches(string candidate) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), SHA256.HashData(_key));

    private static string LoadOrCreate(string path, out bool created)
    {
        created = false;
        if (File.Exists(path)) return File.ReadAllText(path).Trim();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        try
        {
            // CreateNew: if another process won the race, use its key.
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(path, create))
            using (var writer = new StreamWriter(stream)) writer.Write(key);
            created = true;
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }
    }
}
