using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Publisher.Tests.Support;

/// <summary>What in a piece of HTML a browser would run: script-like elements, event handlers, script URLs.</summary>
public static class ExecutableContent
{
    private static readonly string[] RunningElements = ["script", "iframe", "frame", "object", "embed", "applet", "form", "base", "meta", "link", "style"];
    private static readonly string[] UrlAttributes = ["href", "src", "action", "formaction", "data", "xlink:href", "background", "poster", "srcdoc"];

    /// <summary>One line per thing found; empty when there is nothing a browser would run.</summary>
    public static List<string> In(string html, bool wholePage = false)
    {
        var document = new HtmlParser().ParseDocument(wholePage ? html : "<!DOCTYPE html><html><body>" + html + "</body></html>");
        var found = new List<string>();
        foreach (var element in document.QuerySelectorAll("*"))
        {
            string name = element.LocalName;
            // A page's own head may hold its stylesheet and meta tags; nothing in a body may.
            bool inHead = wholePage && element.Closest("head") is not null;
            if (!inHead && RunningElements.Contains(name)) found.Add($"<{name}>");
            if (name == "script") found.Add("<script> " + element.TextContent.Trim());
            foreach (var attribute in element.Attributes)
            {
                if (attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)) found.Add($"<{name} {attribute.Name}>");
                if (attribute.Name.Equals("style", StringComparison.OrdinalIgnoreCase) && attribute.Value.Contains("url(", StringComparison.OrdinalIgnoreCase))
                    found.Add($"<{name} style> {attribute.Value}");
                if (UrlAttributes.Contains(attribute.Name.ToLowerInvariant()) && IsScriptUrl(attribute.Value)) found.Add($"<{name} {attribute.Name}={attribute.Value}>");
            }
        }
        return found.Distinct().ToList();
    }

    /// <summary>A URL a browser would run or render as a document: javascript:, vbscript:, data: (whitespace and controls ignored, as browsers do).</summary>
    public static bool IsScriptUrl(string url)
    {
        string squeezed = new(url.Where(c => c > ' ').ToArray());
        return squeezed.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase) || squeezed.StartsWith("vbscript:", StringComparison.OrdinalIgnoreCase)
            || squeezed.StartsWith("data:", StringComparison.OrdinalIgnoreCase);
    }
}
