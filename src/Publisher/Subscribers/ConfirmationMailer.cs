using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Publisher.Data;
using Publisher.Email;
using Publisher.Hosting;
using Publisher.Templates;
using Publisher.Templates.Confirmation;

namespace Publisher.Subscribers;

/// <summary>
/// Sends the confirmation mails that are due (requested later than last sent). Each is claimed for this process
/// (<see cref="ProcessLease"/>) before it is sent, so the service and a CLI verb working at once never both send it,
/// and marked sent only after the server accepted it: a crash between the two sends it again (a second confirmation
/// mail, harmless), never loses it. A dead process's claims are taken back by <see cref="DeadProcesses"/>.
/// </summary>
public sealed class ConfirmationMailer(PublisherDbContext db, IMailTransport transport, EmailRenderer renderer, SubscriberTokens tokens,
    IOptions<PublisherOptions> options, ProcessLease lease, TimeProvider clock, ILogger<ConfirmationMailer> logger)
{
    private const int BatchSize = 100;

    /// <summary>Sends what is due; returns how many mails went out. Stops at the first sign that the server is down.</summary>
    public async Task<int> SendDueAsync(string baseUrl, CancellationToken ct = default)
    {
        await lease.EnsureStartedAsync(ct);
        int sent = 0;
        var later = new HashSet<int>(); // refused for now in this pass: tried again in the next one
        while (true)
        {
            var due = await db.Memberships.AsNoTracking()
                .Where(m => m.Status == MembershipStatus.Unconfirmed && m.ConfirmationRequestedUtc != null && m.ConfirmationClaimedBy == null
                    && (m.ConfirmationSentUtc == null || m.ConfirmationSentUtc < m.ConfirmationRequestedUtc) && !later.Contains(m.Id))
                .OrderBy(m => m.ConfirmationRequestedUtc)
                .Select(m => new { m.Id, m.SubscriberId, m.ConfirmationRequestedUtc, m.Subscriber.Email, ListName = m.List.Name, m.List.Description, m.List.Title })
                .Take(BatchSize).ToListAsync(ct);
            if (due.Count == 0) return sent;
            foreach (var m in due)
            {
                ct.ThrowIfCancellationRequested();
                if (!lease.Holds) return sent;
                int claimed = await db.Memberships
                    .Where(x => x.Id == m.Id && x.ConfirmationClaimedBy == null && x.ConfirmationRequestedUtc == m.ConfirmationRequestedUtc)
                    .ExecuteUpdateAsync(x => x.SetProperty(p => p.ConfirmationClaimedBy, lease.Id), ct);
                if (claimed == 0) continue; // someone else is sending it
                MimeMessage message;
                try
                {
                    message = await ComposeAsync(m.Id, m.SubscriberId, m.Email, m.ListName, MailingLists.DisplayName(m.ListName, m.Description, m.Title), baseUrl);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // This one mail cannot be made (its list's text, say): it waits, and the others go on.
                    logger.LogError(ex, "The confirmation mail to {Email} could not be composed; the others go on", m.Email);
                    await db.Memberships.Where(x => x.Id == m.Id && x.ConfirmationClaimedBy == lease.Id)
                        .ExecuteUpdateAsync(x => x.SetProperty(p => p.ConfirmationClaimedBy, (string?)null), CancellationToken.None);
                    later.Add(m.Id);
                    continue;
                }
                try
                {
                    await transport.SendAsync(message, ct);
                    await MarkSentAsync(m.Id);
                    sent++;
                }
                catch (MailDeliveryException ex) when (ex.Failure is MailFailure.Permanent or MailFailure.Unknown)
                {
                    // Refused for good, or the server may have it (no reply after the whole mail): not tried again, so a server
                    // that never answers cannot make us mail someone over and over; the person can ask again.
                    logger.LogWarning("Confirmation mail to {Email} not delivered ({Failure}): {Reply}", m.Email, ex.Failure, ex.Reply);
                    await MarkSentAsync(m.Id);
                }
                catch (Exception ex)
                {
                    // Refused for now, the server down, a broken template, a stop: the claim goes back for a later pass.
                    await db.Memberships.Where(x => x.Id == m.Id && x.ConfirmationClaimedBy == lease.Id)
                        .ExecuteUpdateAsync(x => x.SetProperty(p => p.ConfirmationClaimedBy, (string?)null), CancellationToken.None);
                    if (ex is OperationCanceledException) throw;
                    if (ex is MailDeliveryException { Failure: MailFailure.Deferred } deferred)
                    {
                        logger.LogInformation("Confirmation mail to {Email} refused for now ({Reply}); trying again later", m.Email, deferred.Reply);
                        later.Add(m.Id);
                        continue;
                    }
                    logger.LogWarning(ex, "Confirmation mails cannot be sent for now; trying again later");
                    return sent;
                }
            }
        }
    }

    private Task<int> MarkSentAsync(int membershipId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Memberships.Where(x => x.Id == membershipId && x.ConfirmationClaimedBy == lease.Id)
            .ExecuteUpdateAsync(x => x.SetProperty(p => p.ConfirmationSentUtc, now).SetProperty(p => p.ConfirmationClaimedBy, (string?)null), CancellationToken.None);
    }

    /// <summary>
    /// The confirmation mail. It names no one: whoever typed the address also typed the name, and a mail that repeated it
    /// to the address's owner would make the form a way to send them any text.
    /// </summary>
    /// <param name="listTitle">The name the list goes by in mail (<see cref="MailingLists.DisplayName"/>).</param>
    public async Task<MimeMessage> ComposeAsync(int membershipId, int subscriberId, string email, string listName, string listTitle, string baseUrl)
    {
        var site = options.Value.Site;
        string confirmUrl = $"{baseUrl.TrimEnd('/')}/confirm/{tokens.Create(TokenPurpose.Confirm, membershipId)}";
        // The preference centre, too: someone who never asked for this mail can see and erase what is kept about them.
        string manageUrl = $"{baseUrl.TrimEnd('/')}/manage/{tokens.Create(TokenPurpose.Manage, subscriberId)}";
        var model = new ConfirmationModel(site.Language, site.Title, listName, listTitle, null, confirmUrl, (int)SubscriberTokens.ConfirmLifetime.TotalDays,
            manageUrl);
        var rendered = await renderer.RenderAsync<ConfirmationEmail, ConfirmationText, ConfirmationModel>(model, model.Subject);
        return MailComposer.Compose(options.Value.Smtp.Sender, new MailboxAddress("", email), rendered, clock.GetUtcNow(),
            MimeKit.Utils.MimeUtils.GenerateMessageId(MailDomain.Of(options.Value)));
    }
}
