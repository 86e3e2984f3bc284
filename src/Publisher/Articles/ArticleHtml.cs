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
        html = Sanitize(rendered);
        error = null;
        return true;
    }

    public static string Sanitize(string html) => XmlSafeText.Clean(Sanitizer.Sanitize(html));

    /// <summary>Plain text of sanitized HTML, one block a line, for summaries and search.</summary>
    public static string ToText(string html)
    {
        if (!LeftoverHtml.Contains(html)) return html;
        var text = LeftoverHtml.ToText(html);
        return string.Join('\n', text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
    }

}
