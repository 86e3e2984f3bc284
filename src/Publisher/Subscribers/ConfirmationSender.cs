namespace Publisher.Subscribers;

/// <summary>Sends due confirmation mails: at once when this process asks for one, and every few seconds for the rest (CLI imports).</summary>
public sealed class ConfirmationSender(IServiceScopeFactory scopes, ConfirmationSignal signal, IConfiguration configuration, ILogger<ConfirmationSender> logger)
    : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ConfirmationMailer>().SendDueAsync(PublicUrls.Base(configuration), stoppingToken);
                await signal.WaitAsync(Poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception ex)
            {
                logger.LogError(ex, "Sending confirmation mails failed; retrying shortly");
                await Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None);
            }
        }
    }
}
