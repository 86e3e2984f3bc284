using System.Security.Cryptography;

namespace Publisher;

/// <summary>A generated secret kept in a file readable by its owner only (mode 600).</summary>
public static class KeyFile
{
    public static string LoadOrCreate(string path, out bool created)
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
