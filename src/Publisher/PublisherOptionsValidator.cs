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
        if (o.Feeds.PageSize is < 1 or > 1000) errors.Add("Publisher:Feeds:PageSize must be between 1 and 1000.");
        if (o.Articles.MaxFileBytes < 1) errors.Add("Publisher:Articles:MaxFileBytes must be positive.");
        if (o.Articles.RescanSeconds is < 1 or > 86400) errors.Add("Publisher:Articles:RescanSeconds must be between 1 and 86400.");
        if (o.AdminApiKey is { } key && key.Length is > 0 and < 16) errors.Add("Publisher:AdminApiKey must be at least 16 characters.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
