using System.Security.Cryptography;

namespace Publisher;

/// <summary>A generated secret kept in a file readable by its owner only (mode 600).</summary>
public static class KeyFile
{
    public const int MinLength = 32;

    /// <summary>32 random bytes, base64url.</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string LoadOrCreate(string path, out bool created)
    {
        created = false;
        if (File.Exists(path)) return Read(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string key = NewKey();
        // Written whole to a private temporary file, then moved into place without overwriting: a process
        // starting at the same moment sees no file or the whole key, never an empty one, and the loser reads the winner's.
        string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, create))
        using (var writer = new StreamWriter(stream)) writer.Write(key);
        try
        {
            File.Move(temp, path, overwrite: false);
            created = true;
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
            return Read(path);
        }
    }

    private static string Read(string path)
    {
        string key = File.ReadAllText(path).Trim();
        if (key.Length < MinLength)
            throw new KeyFileException($"{path} holds {key.Length} characters, fewer than the {MinLength} a key needs; delete it to have a new one generated.");
        return key;
    }
}

/// <summary>A key file that exists but cannot be used.</summary>
public sealed class KeyFileException(string message) : Exception(message);
