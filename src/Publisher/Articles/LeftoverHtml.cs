using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Publisher.Articles;

/// <summary>
/// Scraped text sometimes keeps fragments of the page's HTML. They are turned back into plain
/// text lines: scripts, styles and other non-content elements vanish with their content, block
/// elements and line breaks become line ends, entities are decoded.
/// </summary>
public static partial class LeftoverHtml
{
    private static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
        { "script", "style", "noscript", "template", "iframe", "object", "embed", "head", "title", "svg", "canvas", "form", "select", "button" };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
        { "p", "div", "section", "article", "header", "footer", "aside", "nav", "main", "li", "ul", "ol", "dl", "dt", "dd",
          "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "blockquote", "pre", "figure", "figcaption", "hr", "address" };

    [GeneratedRegex(@"<(?:[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?|/[a-zA-Z][a-zA-Z0-9]*\s*|!--[\s\S]*?--)>|&(?:[a-zA-Z]{2,8}|#\d{1,7}|#x[0-9a-fA-F]{1,6});")]
    private static partial Regex MarkupPattern();

    public static bool Contains(string text) => MarkupPattern().IsMatch(text);

    public static string ToText(string text)
    {
        var document = new HtmlParser().ParseDocument("<!DOCTYPE html><html><body>" + text + "</body></html>");
        var sb = new StringBuilder(text.Length);
        Append(document.Body!, sb);
        return sb.ToString();
    }

    private static void Append(INode node, StringBuilder sb)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText t:
                    sb.Append(t.Data);
                    break;
                case IElement e when Dropped.Contains(e.LocalName):
                    break;
                case IElement e when e.LocalName == "br":
                    sb.Append('\n');
                    break;
                case IElement e when Blocks.Contains(e.LocalName) || e.LocalName is "td" or "th":
                    sb.Append('\n');
                    Append(e, sb);
                    sb.Append(e.LocalName is "td" or "th" ? " " : "\n");
                    break;
                case IElement e:
                    Append(e, sb);
                    break;
            }
        }
    }
}
