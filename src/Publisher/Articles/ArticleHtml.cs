using Publisher.Text;
using System.Text;
using Ganss.Xss;
using Markdig;

namespace Publisher.Articles;

/// <summary>
/// Every article body is stored as sanitized HTML: scraped paragraphs are encoded, Markdown is
/// rendered, posted HTML is cleaned. Nothing unsanitized is ever stored, so nothing unsanitized is published.
/// </summary>
public static class ArticleHtml
{
    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();
    private static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Add("mailto");
        sanitizer.AllowedAttributes.Remove("style");
        sanitizer.AllowedAttributes.Remove("class");
        sanitizer.AllowedAttributes.Remove("id");
        foreach (var tag in new[] { "form", "input", "button", "select", "option", "optgroup", "textarea", "fieldset", "legend", "label" })
            sanitizer.AllowedTags.Remove(tag);
        return sanitizer;
    }

    public static string FromParagraphs(IEnumerable<string> paragraphs)
    {
        var sb = new StringBuilder();
        foreach (var p in paragraphs) sb.Append("<p>").Append(Escape(p)).Append("</p>\n");
        return sb.ToString();
    }

    /// <summary>
    /// Escapes only what HTML needs escaped. The framework encoders also turn '+' and many other
    /// characters into numeric references, which every feed reader then shows as clutter in the source.
    /// </summary>
    public static string Escape(string text)
    {
        if (text.AsSpan().IndexOfAny("<>&\"'") < 0) return text;
        var sb = new StringBuilder(text.Length + 16);
        foreach (char c in text)
            sb.Append(c switch { '<' => "&lt;", '>' => "&gt;", '&' => "&amp;", '"' => "&quot;", '\'' => "&#39;", _ => c.ToString() });
        return sb.ToString();
    }

    /// <summary>Markdown rendered and sanitized, or the one-line reason it cannot be (Markdig refuses input nested too deeply).</summary>
    public static bool TryFromMarkdown(string markdown, out string html, out string? error)
    {
        html = "";
        if (HtmlNesting.CheckMarkdown(markdown) is { } tooDeep)
        {
            error = tooDeep;
            return false;
        }
        string rendered;
        try
        {
            rendered = Markdig.Markdown.ToHtml(markdown, Markdown);
        }
        catch (ArgumentException ex)
        {
            error = "Markdown not rendered: " + ex.Message.ReplaceLineEndings(" ");
            return false;
        }
        return TrySanitize(rendered, out html, out error);
    }

    /// <summary>
    /// HtmlSanitizer's cost grows with the square of the elements side by side (90,000 paragraphs took 28 s): long HTML is
    /// sanitized in pieces of whole top-level elements, each on its own. Every piece comes out sanitized and with every
    /// element it opens closed, so the pieces joined are as safe as each one.
    /// </summary>
    private const int ElementsPerPiece = 500;

    /// <summary>Sanitized HTML, or the reason there is none (it nests too deep or too wide, <see cref="HtmlNesting"/>).</summary>
    public static bool TrySanitize(string html, out string clean, out string? error)
    {
        clean = "";
        if (HtmlNesting.TopLevelCuts(html, ElementsPerPiece, out error) is not { } cuts) return false;
        var sb = new StringBuilder(html.Length);
        int from = 0;
        foreach (int cut in cuts.Append(html.Length))
        {
            sb.Append(Sanitizer.Sanitize(html[from..cut]));
            from = cut;
        }
        clean = XmlSafeText.Clean(sb.ToString());
        error = null;
        return true;
    }

    /// <summary>Plain text of sanitized HTML, one block a line, for summaries and search.</summary>
    public static string ToText(string html)
    {
        if (!LeftoverHtml.Contains(html)) return html;
        var text = LeftoverHtml.ToText(html);
        return string.Join('\n', text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
    }

}
