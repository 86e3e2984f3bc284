using System.Net;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Logging;

namespace Publisher.Templates;

/// <summary>
/// Renders mail templates (Razor components) to strings with the framework's HtmlRenderer. Pure: a model
/// in, HTML and text out. The HTML encoder comes from the services; register one that allows all of
/// Unicode, or every Chinese character becomes a numeric reference.
/// </summary>
public sealed class EmailRenderer(IServiceProvider services, ILoggerFactory loggers)
{
    public async Task<RenderedEmail> RenderAsync<THtml, TText, TModel>(TModel model, string subject)
        where THtml : IComponent where TText : IComponent
    {
        string html = await RenderAsync<THtml>(model!);
        string text = WebUtility.HtmlDecode(await RenderAsync<TText>(model!));
        return new RenderedEmail(subject, InlineCss(html), TextWrap.Wrap(NormalizeText(text)));
    }

    /// <summary>
    /// One renderer per rendering: an HtmlRenderer keeps every root component it rendered (and its model) until it is
    /// disposed, and a renderer that lives as long as its scope would hold every mail a confirmation mailer's pass makes.
    /// </summary>
    private async Task<string> RenderAsync<T>(object model) where T : IComponent
    {
        await using var renderer = new HtmlRenderer(services, loggers);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await renderer.RenderComponentAsync<T>(ParameterView.FromDictionary(new Dictionary<string, object?> { ["Model"] = model }));
            return output.ToHtmlString();
        });
    }

    /// <summary>
    /// Many mail clients drop &lt;style&gt; blocks; the rules are copied onto each element. Comments are kept: Razor writes
    /// none of its own, and the layout's are Outlook's conditional comments.
    /// </summary>
    public static string InlineCss(string html)
    {
        var result = PreMailer.Net.PreMailer.MoveCssInline(html, removeStyleElements: false, ignoreElements: null, css: null,
            stripIdAndClassAttributes: false, removeComments: false);
        return result.Html;
    }

    /// <summary>Text parts: LF line ends trimmed of trailing spaces, at most one blank line in a row.</summary>
    private static string NormalizeText(string text)
    {
        // "-- " (with its space) is the signature separator mail clients know; keep it.
        var lines = text.Replace("\r\n", "\n").Split('\n').Select(l => l == "-- " ? l : l.TrimEnd()).ToList();
        var kept = new List<string>();
        foreach (var line in lines)
            if (line.Length > 0 || (kept.Count > 0 && kept[^1].Length > 0)) kept.Add(line);
        while (kept.Count > 0 && kept[^1].Length == 0) kept.RemoveAt(kept.Count - 1);
        return string.Join('\n', kept) + "\n";
    }
}
