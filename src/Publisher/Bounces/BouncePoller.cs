using Microsoft.Extensions.Options;

namespace Publisher.Bounces;

/// <summary>
/// Polls the bounce mailbox in the service (never in CLI verbs): a pass at start, then one every
/// <c>Publisher:Bounces:PollSeconds</c> on the injected clock, and at once again while a pass stopped at its limit.
/// A failed pass is logged and counted by <see cref="BounceMailbox"/>; the loop goes on.
/// </summary>
public sealed class BouncePoller(BounceMailbox mailbox, IOptions<BounceOptions> options, TimeProvider clock, ILogger<BouncePoller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!mailbox.Enabled) return;
        var period = TimeSpan.FromSeconds(options.Value.PollSeconds);
        logger.LogInformation("Polling the bounce mailbox {Mailbox} every {Period}", mailbox.Describe(), period);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = period;
            try
            {
                var pass = await mailbox.RunPassAsync(stoppingToken);
                if (pass.More) wait = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // RunPassAsync reports its own failures; this is for whatever escapes it. The service must not stop for it.
                logger.LogError(ex, "The bounce mailbox pass failed; the next pass tries again");
            }
            try
            {
                await Task.Delay(wait, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
