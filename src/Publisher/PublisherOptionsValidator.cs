using Microsoft.Extensions.Options;

namespace Publisher;

/// <summary>Checks settings at start so a bad value fails loudly, naming its key.</summary>
public sealed class PublisherOptionsValidator : IValidateOptions<PublisherOptions>
{
    public ValidateOptionsResult Validate(string? name, PublisherOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.DataPath)) errors.Add("Publisher:DataPath must not be empty.");
        if (string.IsNullOrWhiteSpace(o.ArticlesPath)) errors.Add("Publisher:ArticlesPath must not be empty.");
        if (!string.IsNullOrWhiteSpace(o.Site.BaseUrl)
            && (!Uri.TryCreate(o.Site.BaseUrl, UriKind.Absolute, out var baseUri) || (baseUri.Scheme != "http" && baseUri.Scheme != "https")))
            errors.Add($"Publisher:Site:BaseUrl must be an absolute http(s) URL, not '{o.Site.BaseUrl}'.");
        if (!string.IsNullOrWhiteSpace(o.Site.TimeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(o.Site.TimeZone, out _))
            errors.Add($"Publisher:Site:TimeZone '{o.Site.TimeZone}' is not a known IANA time zone.");
        if (string.IsNullOrWhiteSpace(o.Site.Title)) errors.Add("Publisher:Site:Title must not be empty.");
        if (o.Site.PostalAddress is { } postal && (postal.Length > 500 || postal.Any(c => char.IsControl(c) && c is not '\n' and not '\r')))
            errors.Add("Publisher:Site:PostalAddress must be at most 500 characters, with no control characters but line breaks.");
        if (o.Feeds.PageSize is < 1 or > 1000) errors.Add("Publisher:Feeds:PageSize must be between 1 and 1000.");
        if (o.Feeds.PageCacheMegabytes is < 1 or > 4096) errors.Add("Publisher:Feeds:PageCacheMegabytes must be between 1 and 4096.");
        foreach (var host in SiteOptions.SplitHosts(o.Site.AllowedHosts ?? ""))
            if (Uri.CheckHostName(host.Split(':')[0].Trim('[', ']')) == UriHostNameType.Unknown || host.Contains('/') || host.Contains('*'))
                errors.Add($"Publisher:Site:AllowedHosts: '{host}' is not a host or host:port.");
        if (!string.IsNullOrWhiteSpace(o.WebSub.Hub)
            && (!Uri.TryCreate(o.WebSub.Hub, UriKind.Absolute, out var hub) || (hub.Scheme != "http" && hub.Scheme != "https")))
            errors.Add($"Publisher:WebSub:Hub must be an absolute http(s) URL, not '{o.WebSub.Hub}'.");
        if (o.WebSub.DefaultLeaseSeconds < 60 || o.WebSub.MaxLeaseSeconds < o.WebSub.DefaultLeaseSeconds)
            errors.Add("Publisher:WebSub:DefaultLeaseSeconds must be at least 60 and at most Publisher:WebSub:MaxLeaseSeconds.");
        if (o.Articles.MaxFileBytes < 1) errors.Add("Publisher:Articles:MaxFileBytes must be positive.");
        if (o.Articles.RescanSeconds is < 1 or > 86400) errors.Add("Publisher:Articles:RescanSeconds must be between 1 and 86400.");
        if (o.Articles.ReadTimeout <= TimeSpan.Zero || o.Articles.ReadTimeout > TimeSpan.FromMinutes(10))
            errors.Add("Publisher:Articles:ReadTimeout must be more than 0 and at most 00:10:00.");
        if (o.AdminApiKey is { } key && key.Length is > 0 and < 16) errors.Add("Publisher:AdminApiKey must be at least 16 characters.");

        var smtp = o.Smtp;
        if (!smtp.UsesOutbox && string.IsNullOrWhiteSpace(o.Site.BaseUrl))
            errors.Add("Publisher:Site:BaseUrl is required when Publisher:Smtp:Host is set: links in real mail must reach the site.");
        if (!smtp.UsesOutbox && string.IsNullOrWhiteSpace(smtp.From))
            errors.Add("Publisher:Smtp:From is required when Publisher:Smtp:Host is set: relays refuse mail from publisher@localhost.");
        if (!smtp.UsesOutbox)
        {
            if (smtp.Port is < 1 or > 65535) errors.Add("Publisher:Smtp:Port must be between 1 and 65535.");
            if (smtp.MaxConnections is < 1 or > 64) errors.Add("Publisher:Smtp:MaxConnections must be between 1 and 64.");
            if (smtp.MaxMessagesPerSecond < 0) errors.Add("Publisher:Smtp:MaxMessagesPerSecond must not be negative.");
            if (smtp.MaxAttempts is < 1 or > 20) errors.Add("Publisher:Smtp:MaxAttempts must be between 1 and 20.");
            if (smtp.RetryDelayMilliseconds is < 0 or > 600_000) errors.Add("Publisher:Smtp:RetryDelayMilliseconds must be between 0 and 600000.");
            if (smtp.TimeoutSeconds is < 1 or > 600) errors.Add("Publisher:Smtp:TimeoutSeconds must be between 1 and 600.");
            if (string.IsNullOrEmpty(smtp.User) != string.IsNullOrEmpty(smtp.Password)) errors.Add("Publisher:Smtp:User and Publisher:Smtp:Password go together.");
        }
        if (!string.IsNullOrWhiteSpace(smtp.HeloName) && Uri.CheckHostName(smtp.HeloName.Trim()) != UriHostNameType.Dns)
            errors.Add($"Publisher:Smtp:HeloName must be a host name, not '{smtp.HeloName}'.");
        if (!string.IsNullOrWhiteSpace(smtp.From) && !MimeKit.MailboxAddress.TryParse(smtp.From, out _))
            errors.Add($"Publisher:Smtp:From '{smtp.From}' is not a mail address.");
        if (o.Subscriptions.PerClientPerMinute < 1) errors.Add("Publisher:Subscriptions:PerClientPerMinute must be at least 1.");
        if (o.Subscriptions.PerAddressPerHour < 1) errors.Add("Publisher:Subscriptions:PerAddressPerHour must be at least 1.");
        if (o.Digests.HardBouncesBeforeBounced is < 1 or > 100) errors.Add("Publisher:Digests:HardBouncesBeforeBounced must be between 1 and 100.");
        if (!Digests.RetrySchedule.TryParse(o.Digests.RetryDelays, out _, out var delaysError)) errors.Add($"Publisher:Digests:RetryDelays {delaysError}");
        if (o.Digests.RetryFor <= TimeSpan.Zero || o.Digests.RetryFor > TimeSpan.FromDays(30))
            errors.Add("Publisher:Digests:RetryFor must be more than zero and at most 30 days (for example 1.00:00:00).");
        if (o.Dkim.Enabled)
        {
            if (string.IsNullOrWhiteSpace(o.Dkim.Domain) || string.IsNullOrWhiteSpace(o.Dkim.Selector) || string.IsNullOrWhiteSpace(o.Dkim.PrivateKeyPath))
                errors.Add("Publisher:Dkim:Domain, :Selector and :PrivateKeyPath go together.");
            else if (!File.Exists(o.Dkim.PrivateKeyPath)) errors.Add($"Publisher:Dkim:PrivateKeyPath '{o.Dkim.PrivateKeyPath}' does not exist.");
        }
        if (o.Secret is { Length: > 0 and < 16 }) errors.Add("Publisher:Secret must be at least 16 characters.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
