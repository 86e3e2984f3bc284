namespace Publisher.Email;

/// <summary>
/// The domain our mail speaks for: the right-hand side of every Message-ID and the name given in EHLO. Filters count a
/// bare host name there against a mail (rspamd's MID_RHS_NOT_FQDN), so it is the site's host, not the machine's.
/// </summary>
public static class MailDomain
{
    /// <summary>The host of Site:BaseUrl (in ASCII) when it is a domain, else the sender's domain.</summary>
    public static string Of(PublisherOptions o)
    {
        if (Uri.TryCreate(o.Site.BaseUrl, UriKind.Absolute, out var site) && site.IdnHost.Contains('.')) return site.IdnHost;
        return MimeKit.MailboxAddress.TryParse(o.Smtp.Sender, out var from) && from.Domain.Length > 0 ? from.Domain : "publisher.invalid";
    }

    /// <summary>The name given in EHLO: Smtp:HeloName, else the host of Site:BaseUrl (required with SMTP).</summary>
    public static string HeloName(PublisherOptions o) =>
        !string.IsNullOrWhiteSpace(o.Smtp.HeloName) ? o.Smtp.HeloName.Trim()
        : Uri.TryCreate(o.Site.BaseUrl, UriKind.Absolute, out var site) ? site.IdnHost
        : Of(o);
}
