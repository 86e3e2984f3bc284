using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Publisher.Tests.Support;

/// <summary>
/// The admin console as a browser without script uses it, over HTTP: it keeps cookies, reads each form's antiforgery
/// token from the page the form is on, and posts the form as the browser would.
/// </summary>
public sealed partial class ConsoleBrowser(HttpClient client)
{
    public HttpClient Client { get; } = client;

    public static ConsoleBrowser For(PublisherFactory factory) =>
        new(factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));

    public static async Task<ConsoleBrowser> SignedInAsync(PublisherFactory factory)
    {
        var browser = For(factory);
        var response = await browser.SubmitAsync("/admin/signin", "/admin/signin", new() { ["key"] = TempSite.AdminKey });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return browser;
    }

    [GeneratedRegex(@"name=""__RequestVerificationToken""[^>]*value=""([^""]+)""")]
    private static partial Regex TokenPattern();

    /// <summary>The antiforgery token of the first form on <paramref name="page"/>.</summary>
    public async Task<string> TokenAsync(string page)
    {
        var response = await Client.GetAsync(page);
        string html = await response.Content.ReadAsStringAsync();
        var match = TokenPattern().Match(html);
        Assert.True(match.Success, $"{page} ({(int)response.StatusCode}) has no antiforgery token:\n{html[..Math.Min(html.Length, 2000)]}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>Opens <paramref name="page"/>, then posts <paramref name="fields"/> with its token to <paramref name="action"/>.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string page, string action, Dictionary<string, string> fields)
    {
        string token = await TokenAsync(page);
        return await Client.PostAsync(action, new FormUrlEncodedContent(fields.Append(new("__RequestVerificationToken", token))));
    }

    public async Task<HttpResponseMessage> SubmitAsync(string page, string action, IEnumerable<KeyValuePair<string, string>> fields)
    {
        string token = await TokenAsync(page);
        return await Client.PostAsync(action, new FormUrlEncodedContent(fields.Append(new("__RequestVerificationToken", token))));
    }

    public async Task<string> PageAsync(string path)
    {
        var response = await Client.GetAsync(path);
        string html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}\n{html[..Math.Min(html.Length, 2000)]}");
        return html;
    }
}
