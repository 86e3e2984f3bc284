namespace Publisher.Hosting;

/// <summary>Ends this process's registration as the host stops: registered first, it is stopped last.</summary>
public sealed class ProcessLeaseStopper(ProcessLease lease) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => lease.StopAsync();
}
