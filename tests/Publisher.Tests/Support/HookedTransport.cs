using MimeKit;
using Publisher.Email;

namespace Publisher.Tests.Support;

/// <summary>The real transport, with something the test wants to happen just before each message is handed over.</summary>
public sealed class HookedTransport(IMailTransport inner) : IMailTransport
{
    public Func<MimeMessage, Task> Before { get; set; } = _ => Task.CompletedTask;

    public async Task<string> SendAsync(MimeMessage message, CancellationToken ct = default)
    {
        await Before(message);
        return await inner.SendAsync(message, ct);
    }
}
