using System.Runtime.InteropServices;

namespace Publisher.Hosting;

/// <summary>
/// Whether a registered process ran under this very kernel and PID namespace, and is gone. On Linux a process is
/// identified by the boot id, the PID namespace, its PID and its start time: the same PID in another container (another
/// namespace) or a reused PID (another start time) is not taken for it. Where that cannot be told (another machine, not
/// Linux), nothing is concluded and the registration simply expires.
/// </summary>
public static class LocalProcess
{
    /// <summary>This process's identity, or null where it cannot be read.</summary>
    public static string? Instance { get; } = Describe(Environment.ProcessId);

    /// <summary>True only when <paramref name="instance"/> was a process here that no longer runs.</summary>
    public static bool IsGone(string? instance)
    {
        if (instance is null || Instance is null) return false;
        var theirs = instance.Split('/');
        var ours = Instance.Split('/');
        if (theirs.Length != 4 || theirs[0] != ours[0] || theirs[1] != ours[1] || !int.TryParse(theirs[2], out int pid)) return false;
        // Signal 0 asks only whether the PID exists: "no such process" is the one answer that means gone. /proc alone
        // would not do: with hidepid, or for a process of another user, a live process has no readable /proc entry.
        if (kill(pid, 0) != 0) return Marshal.GetLastPInvokeError() == NoSuchProcess;
        // The PID runs: it is gone only if it is another process now (another start time); if that cannot be read, it is not.
        return Describe(pid) is { } now && now != instance;
    }

    private const int NoSuchProcess = 3; // ESRCH

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    /// <summary>The identity of process <paramref name="pid"/> of this machine, or null where it cannot be read.</summary>
    public static string? Of(int pid) => Describe(pid);

    private static string? Describe(int pid)
    {
        try
        {
            string boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            string? ns = new FileInfo("/proc/self/ns/pid").LinkTarget;
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // Field 22 is the start time; the command name (field 2) is in parentheses and may hold spaces.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return ns is null || fields.Length < 20 ? null : $"{boot}/{ns}/{pid}/{fields[19]}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException) { return null; }
    }
}
