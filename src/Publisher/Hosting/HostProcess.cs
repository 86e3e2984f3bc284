namespace Publisher.Hosting;

/// <summary>
/// One running process of the service (a host or a verb), registered while it may hold claims. Claims name the
/// process that holds them; a process not seen for <see cref="ProcessLease.Expiry"/> is taken for dead, and its
/// claims are recovered. The id is new at every start: two containers may share a machine name and a PID.
/// </summary>
public sealed class HostProcess
{
    public required string Id { get; set; }
    public string Machine { get; set; } = "";
    public int ProcessId { get; set; }
    public DateTime StartedUtc { get; set; }
    public DateTime SeenUtc { get; set; }
    /// <summary>Where it ran, as <see cref="LocalProcess"/> describes it: lets a process on the same machine see at once that it is gone.</summary>
    public string? Instance { get; set; }
}
