using System.Runtime.InteropServices;

namespace Publisher.Hosting;

/// <summary>
/// The data folder holds every subscriber's address, the ledger, the keys and the outbox: only the service's own user
/// may read it. Files this process makes are created owner-only (umask 077, set before anything is written); folders
/// and files an older version left readable by others are tightened at start (folders 0700, files 0600).
/// </summary>
public static class DataFolder
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = OwnerFile | UnixFileMode.UserExecute;

    /// <summary>Makes files and folders this process creates from now on owner-only. Call first thing.</summary>
    public static void RestrictNewFiles()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) umask(0b000_111_111); // 077
    }

    /// <summary>Creates the folder if needed and takes group and other access away from it and what it holds.</summary>
    /// <param name="deep">Everything below it (the server, once at start), or only its own files (a verb: an outbox of many
    /// thousand mails is not walked again for each command).</param>
    /// <returns>How many entries had to be tightened (an older version, or a copy made by hand).</returns>
    public static int Secure(string path, bool deep)
    {
        Directory.CreateDirectory(path);
        if (OperatingSystem.IsWindows()) return 0;
        int tightened = Tighten(path, OwnerFolder);
        foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos("*", deep ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly))
        {
            if (entry.LinkTarget is not null) continue; // not followed: a link may point anywhere
            tightened += Tighten(entry.FullName, entry is DirectoryInfo ? OwnerFolder : entry.UnixFileMode & OwnerFile);
        }
        return tightened;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static int Tighten(string path, UnixFileMode wanted)
    {
        if (File.GetUnixFileMode(path) == wanted) return 0;
        File.SetUnixFileMode(path, wanted);
        return 1;
    }

    [DllImport("libc", SetLastError = false)]
    private static extern uint umask(uint mask);
}
