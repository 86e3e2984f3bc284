namespace Publisher.Articles;

/// <summary>
/// How deep HTML nests, measured in one pass over the text without building it, so that input an HTML parser would
/// take quadratic time over (40,000 nested <c>&lt;div&gt;</c> took 34 s, 100,000 <c>&lt;b&gt;</c> 76 s) is refused
/// before any parser sees it. The measure keeps a stack of open elements as a browser does, roughly: void elements are
/// never pushed, an end tag closes up to its element unless a table or similar stands between, and a <c>&lt;p&gt;</c>,
/// <c>&lt;li&gt;</c>, <c>&lt;td&gt;</c>… closes one of its kind left open right above it. Where it is unsure it counts
/// deeper than a browser would (tags inside comments, attribute values and scripts count; <c>&lt;div/&gt;</c> opens),
/// which only ever refuses sooner.
/// </summary>
public static class HtmlNesting
{
    /// <summary>Deepest nesting accepted. Real pages nest a few dozen deep; a parser's cost grows with depth times length.</summary>
    public const int MaxDepth = 500;

    private static readonly HashSet<string> Void = new(StringComparer.OrdinalIgnoreCase)
        { "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param", "keygen", "basefont", "bgsound", "frame" };

    /// <summary>Start tags that end an open element of their own kind standing right above them (<c>&lt;td&gt;a&lt;td&gt;b</c>).</summary>
    private static readonly HashSet<string> ClosesSibling = new(StringComparer.OrdinalIgnoreCase)
        { "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot", "rb", "rt", "rp" };

    /// <summary>Start tags that end an open <c>&lt;p&gt;</c> (a paragraph holds no blocks).</summary>
    private static readonly HashSet<string> ClosesParagraph = new(StringComparer.OrdinalIgnoreCase)
        { "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl", "fieldset", "figcaption", "figure",
          "footer", "header", "hgroup", "main", "menu", "nav", "ol", "p", "search", "section", "summary", "ul", "h1", "h2", "h3", "h4", "h5",
          "h6", "pre", "listing", "form", "hr", "li", "dd", "dt", "plaintext", "xmp", "table" };

    /// <summary>The parser's "special" elements: a new list item closes an open one only through elements that are not (or are address, div, p).</summary>
    private static readonly HashSet<string> Special = new(StringComparer.OrdinalIgnoreCase)
        { "address", "applet", "area", "article", "aside", "base", "basefont", "bgsound", "blockquote", "body", "br", "button", "caption",
          "center", "col", "colgroup", "dd", "details", "dir", "div", "dl", "dt", "embed", "fieldset", "figcaption", "figure", "footer", "form",
          "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "iframe", "img", "input", "keygen",
          "li", "link", "listing", "main", "marquee", "menu", "meta", "nav", "noembed", "noframes", "noscript", "object", "ol", "p", "param",
          "plaintext", "pre", "script", "search", "section", "select", "source", "style", "summary", "table", "tbody", "td", "template",
          "textarea", "tfoot", "th", "thead", "title", "tr", "track", "ul", "wbr", "xmp" };

    /// <summary>Elements an end tag of another element does not close through (the parser's scope boundaries).</summary>
    private static readonly HashSet<string> ScopeBoundary = new(StringComparer.OrdinalIgnoreCase)
        { "table", "td", "th", "caption", "html", "template", "applet", "marquee", "object", "svg", "math", "foreignobject", "button" };

    /// <summary>
    /// Most elements side by side under one parent in HTML that is sanitized. HtmlSanitizer's cost grows with the square
    /// of that number (100,000 lines split by <c>&lt;br&gt;</c> in one <c>&lt;div&gt;</c> took 18 s); at the top level
    /// the HTML is cut into pieces instead (<see cref="TopLevelCuts"/>).
    /// </summary>
    public const int MaxChildren = 10_000;

    public static readonly string TooDeep = $"HTML nested deeper than {MaxDepth} elements (the limit; real pages nest a few dozen deep)";
    public static readonly string TooWide = $"HTML with more than {MaxChildren:N0} elements side by side inside one element (the limit)";

    /// <summary>The reason <paramref name="html"/> is refused, or null when it nests no deeper than <see cref="MaxDepth"/>.</summary>
    public static string? Check(string html) => Measure(html, null, checkWidth: false);

    /// <summary>
    /// Where <paramref name="html"/> may be cut into pieces of whole top-level elements, about <paramref name="elementsPerPiece"/>
    /// tags each: every offset returned has no element open before it. Null, and the reason, when it nests deeper than
    /// <see cref="MaxDepth"/> or holds more than <see cref="MaxChildren"/> elements side by side below the top level.
    /// </summary>
    public static List<int>? TopLevelCuts(string html, int elementsPerPiece, out string? refusal)
    {
        var cuts = new List<int>();
        refusal = Measure(html, (cuts, elementsPerPiece), checkWidth: true);
        return refusal is null ? cuts : null;
    }

    public static readonly string MarkdownTooDeep = $"Markdown nested deeper than {MaxDepth} block quotes, list items or indentation steps on one line (the limit)";

    /// <summary>
    /// The reason Markdown is refused before rendering, or null. Markdig has a depth limit of its own but reaches it only
    /// after seconds of work (50,000 nested list items on one line: 2.3 s); each block quote marker, list marker and two
    /// columns of indentation at the start of a line count one level.
    /// </summary>
    public static string? CheckMarkdown(string markdown)
    {
        int line = 0;
        while (line < markdown.Length)
        {
            int depth = 0, i = line;
            while (i < markdown.Length)
            {
                int columns = 0;
                while (i < markdown.Length && markdown[i] is ' ' or '\t') columns += markdown[i++] == '\t' ? 4 : 1;
                depth += columns / 2;
                if (i >= markdown.Length) break;
                char c = markdown[i];
                int digits = 0;
                while (i + digits < markdown.Length && char.IsAsciiDigit(markdown[i + digits]) && digits < 10) digits++;
                if (c == '>') i++;
                else if (c is '-' or '*' or '+' && i + 1 < markdown.Length && markdown[i + 1] is ' ' or '\t') i++;
                else if (digits > 0 && i + digits + 1 < markdown.Length && markdown[i + digits] is '.' or ')' && markdown[i + digits + 1] is ' ' or '\t') i += digits + 1;
                else break;
                depth++;
            }
            if (depth > MaxDepth) return MarkdownTooDeep;
            int next = markdown.IndexOf('\n', i);
            line = next < 0 ? markdown.Length : next + 1;
        }
        return null;
    }

    /// <summary>Null, or the first limit passed (it stops there).</summary>
    private static string? Measure(string html, (List<int> Cuts, int Every)? cutting, bool checkWidth)
    {
        var stack = new List<(string Name, int Children)>();
        var open = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase); // how many of each name are on the stack
        int sinceCut = 0;
        int i = html.IndexOf('<');
        while (i >= 0 && i < html.Length - 1)
        {
            bool end = html[i + 1] == '/';
            int nameStart = i + (end ? 2 : 1);
            int nameEnd = nameStart;
            if (nameEnd < html.Length && char.IsAsciiLetter(html[nameEnd]))
                while (nameEnd < html.Length && (char.IsAsciiLetterOrDigit(html[nameEnd]) || html[nameEnd] is '-' or ':' or '_')) nameEnd++;
            if (nameEnd == nameStart) { i = html.IndexOf('<', i + 1); continue; } // "<" as text, "<!--", "<!DOCTYPE"
            int close = html.IndexOf('>', nameEnd);
            if (close < 0) break;
            string name = html[nameStart..nameEnd];

            if (end)
            {
                if (open.GetValueOrDefault(name) > 0) CloseThrough(stack, open, name);
            }
            else
            {
                CloseImplied(stack, open, name);
                if (stack.Count == 0 && cutting is { } c && sinceCut >= c.Every) { c.Cuts.Add(i); sinceCut = 0; }
                if (stack.Count > 0)
                {
                    stack[^1] = (stack[^1].Name, stack[^1].Children + 1);
                    if (checkWidth && stack[^1].Children > MaxChildren) return TooWide;
                }
                if (!Void.Contains(name))
                {
                    stack.Add((name, 0));
                    open[name] = open.GetValueOrDefault(name) + 1;
                    if (stack.Count > MaxDepth) return TooDeep;
                }
            }
            sinceCut++;
            i = html.IndexOf('<', close + 1);
        }
        return null;
    }

    /// <summary>What a start tag closes by itself: an open paragraph before a block, an open list item before the next one.</summary>
    private static void CloseImplied(List<(string Name, int Children)> stack, Dictionary<string, int> open, string name)
    {
        if (stack.Count == 0) return;
        if (ClosesParagraph.Contains(name) && open.GetValueOrDefault("p") > 0) CloseThrough(stack, open, "p");
        bool li = Is(name, "li"), definition = Is(name, "dd") || Is(name, "dt");
        if (li || definition)
        {
            for (int at = stack.Count - 1; at >= 0; at--)
            {
                string below = stack[at].Name;
                if (li ? Is(below, "li") : Is(below, "dd") || Is(below, "dt"))
                {
                    while (stack.Count > at) Pop(stack, open);
                    return;
                }
                if (Special.Contains(below) && !Is(below, "address") && !Is(below, "div") && !Is(below, "p")) return;
            }
        }
        else if (stack.Count > 0 && ClosesSibling.Contains(name) && Is(stack[^1].Name, name)) Pop(stack, open);
    }

    private static bool Is(string a, string b) => a.Equals(b, StringComparison.OrdinalIgnoreCase);

    private static void CloseThrough(List<(string Name, int Children)> stack, Dictionary<string, int> open, string name)
    {
        // Only as far down as the parser would look: a table (and the like) between keeps what is below it open.
        int at = stack.Count - 1;
        while (at >= 0 && !Is(stack[at].Name, name))
        {
            if (ScopeBoundary.Contains(stack[at].Name)) return;
            at--;
        }
        while (stack.Count > at) Pop(stack, open);
    }

    private static void Pop(List<(string Name, int Children)> stack, Dictionary<string, int> open)
    {
        open[stack[^1].Name]--;
        stack.RemoveAt(stack.Count - 1);
    }
}
