using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Publisher.Data;
using Publisher.Email;
using Publisher.Templates;
using Publisher.Templates.Confirmation;

namespace Publisher.Subscribers;

/// <summary>
/// Sends the confirmation mails that are due (requested later than last sent). Each is claimed with a
/// conditional update before it is sent, so the service and a CLI verb working at once never both send it.
/// </summary>
public sealed class ConfirmationMailer(PublisherDbContext db, IMailTransport transport, EmailRenderer renderer, SubscriberTokens tokens,
    IOptions<PublisherOptions> options, TimeProvider clock, ILogger<ConfirmationMailer> logger)
{
    private const int BatchSize = 100;

    /// <summary>Sends what is due; returns how many mails went out.</summary>
    public async Task<int> SendDueAsync(string baseUrl, CancellationToken ct = default)
    {
        int sent = 0;
        while (true)
        {
            var due = await db.Memberships.AsNoTracking()
                .Where(m => m.Status == MembershipStatus.Unconfirmed && m.ConfirmationRequestedUtc != null
                    && (m.ConfirmationSentUtc == null || m.ConfirmationSentUtc < m.ConfirmationRequestedUtc))
                .OrderBy(m => m.ConfirmationRequestedUtc)
                .Select(m => new { m.Id, m.ConfirmationRequestedUtc, m.ConfirmationSentUtc, m.Subscriber.Email, SubscriberName = m.Subscriber.Name, ListName = m.List.Name, m.List.Description })
                .Take(BatchSize).ToListAsync(ct);
            if (due.Count == 0) return sent;
            foreach (var m in due)
            {
                var now = clock.GetUtcNow().UtcDateTime;
                int claimed = await db.Memberships
                    .Where(x => x.Id == m.Id && x.ConfirmationSentUtc == m.ConfirmationSentUtc && x.ConfirmationRequestedUtc == m.ConfirmationRequestedUtc)
                    .ExecuteUpdateAsync(x => x.SetProperty(p => p.ConfirmationSentUtc, now), ct);
                if (claimed == 0) continue; // someone else sent it
                try
                {
                    await transport.SendAsync(await ComposeAsync(m.Id, m.Email, m.SubscriberName, m.ListName, m.Description, baseUrl), ct);
                    sent++;
                }
                catch (MailDeliveryException ex) when (ex.Failure != MailFailure.Transient)
                {
                    logger.LogWarning("Confirmation mail to {Email} not delivered ({Failure}): {Reply}", m.Email, ex.Failure, ex.Reply);
                }
                catch (Exception ex)
                {
                    // Transient SMTP trouble, a broken template, a stop: give the claim back so a later pass sends it.
                    await db.Memberships.Where(x => x.Id == m.Id && x.ConfirmationSentUtc == now)
                        .ExecuteUpdateAsync(x => x.SetProperty(p => p.ConfirmationSentUtc, m.ConfirmationSentUtc), CancellationToken.None);
                    if (ex is OperationCanceledException) throw;
                    logger.LogWarning(ex, "Confirmation mail to {Email} failed for now; will retry", m.Email);
                    return sent;
                }
            }
        }
    }

    public async Task<MimeMessage> ComposeAsync(int membershipId, string email, string? name, string listName, string listDescription, string baseUrl)
    {
        var site = options.Value.Site;
        string confirmUrl = $"{baseUrl.TrimEnd('/')}/confirm/{tokens.Create(TokenPurpose.Confirm, membershipId)}";
        var model = new ConfirmationModel(site.Language, site.Title, listName, listDescription, name, confirmUrl, (int)SubscriberTokens.ConfirmLifetime.TotalDays);
        var rendered = await renderer.RenderAsync<ConfirmationEmail, ConfirmationText, ConfirmationModel>(model, model.Subject);
        return MailComposer.Compose(options.Value.Smtp.From, new MailboxAddress(name ?? "", email), rendered);
    }
}
