using MimeKit;
using Publisher.Email;

namespace Publisher.Tests.Support;

/// <summary>
/// The real transport, with something the test wants to happen as each message is handed over: after the sender's own
/// hand-over check (which records the message as about to go out), just before the message is written.
/// </summary>
public sealed class HookedTransport(IMailTransport inner) : IMailTransport
{
    public Func<MimeMessage, Task> Before { get; set; } = _ => Task.CompletedTask;

    public Task<string> SendAsync(MimeMessage message, CancellationToken ct = default, Func<Task<bool>>? handingOver = null) =>
        inner.SendAsync(message, ct, async () =>
        {
            if (handingOver is not null && !await handingOver()) return false;
            await Before(message);
            return true;
        });
}
