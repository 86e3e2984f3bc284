namespace Publisher.Hosting;

/// <summary>
/// Headers every response gets: <c>nosniff</c> (a feed or a JSON answer is never run as a page), and on HTML pages a
/// Content-Security-Policy that lets nothing run (the pages have no script; article bodies come from other sites and are
/// sanitized, this is the second wall), no framing (clickjacking of the subscribe and unsubscribe buttons), and no
/// Referer to other sites (confirm and unsubscribe URLs carry tokens). The Hangfire dashboard runs its own scripts, so
/// it gets the framing and sniffing rules but not the script policy.
/// </summary>
public static class SecurityHeaders
{
    public const string PagePolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        if (http.Request.Path.StartsWithSegments("/feeds"))
        {
            // The feeds are the hot path and never HTML: the one header, set at once, without a callback per request.
            http.Response.Headers.XContentTypeOptions = "nosniff";
            return next(http);
        }
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            if (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
            {
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "same-origin";
                if (!http.Request.Path.StartsWithSegments("/hangfire")) headers.ContentSecurityPolicy = PagePolicy;
            }
            return Task.CompletedTask;
        });
        return next(http);
    });
}
