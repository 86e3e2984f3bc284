using Publisher.Text;
using System.Text.RegularExpressions;

namespace Publisher.Articles;

/// <summary>
/// Reads a scraped news page (plain text with site chrome) by the rules in <see cref="ScrapedPageRules"/>:
/// the breadcrumb gives the category, the meta line the date, source and author, the line above the
/// meta line the title, and the lines after it the body until the footer starts.
/// </summary>
public static class ScrapedPageParser
{
    // English labels only count as whole words ("Date:", not the end of "Update:"); Chinese ones anywhere.
    private static readonly Regex MetaLabelPattern = new(
        "(?<![A-Za-z])(?<label>" + string.Join("|", ScrapedPageRules.MetaLabels.Select(l => Regex.Escape(l.Label))) + @")\s*[:：]", RegexOptions.IgnoreCase);

    private static readonly Regex BreadcrumbPattern = new(
        @"^(?:" + string.Join("|", ScrapedPageRules.BreadcrumbLabels.Select(Regex.Escape)) + @")\s*(?:[:：]|(?=\s*(?:>|＞|»|›)))", RegexOptions.IgnoreCase);

    private static readonly Regex SeparatorPattern = new(
        @"\s*(?:" + string.Join("|", ScrapedPageRules.BreadcrumbSeparators.Select(Regex.Escape)) + @")\s*");

    private static readonly Regex HomeFirst = new(
        @"^(?:" + string.Join("|", ScrapedPageRules.HomeWords.Select(Regex.Escape)) + @")(?=\s*(?:" +
        string.Join("|", ScrapedPageRules.BreadcrumbSeparators.Where(s => s != "|").Select(s => Regex.Escape(s.Trim()))) + "))");

    private static readonly Dictionary<string, MetaField> FieldOf =
        ScrapedPageRules.MetaLabels.ToDictionary(l => l.Label, l => l.Field, StringComparer.OrdinalIgnoreCase);

    public static ArticleRead Parse(string text, TimeZoneInfo zone)
    {
        text = XmlSafeText.Clean(text).Replace("\r\n", "\n").Replace('\r', '\n');
        if (LeftoverHtml.Contains(text))
        {
            if (HtmlNesting.Check(text) is { } tooDeep) return ArticleRead.Reject(tooDeep);
            text = LeftoverHtml.ToText(text);
        }

        var raw = text.Split('\n').Select(NormalizeLine).ToArray();
        var lines = raw.Select(RemoveInlineChrome).ToArray();

        // A labelled breadcrumb wins over one recognised by its shape; either may stand above the title or below the body.
        int crumb = Array.FindIndex(lines, l => BreadcrumbPattern.IsMatch(l));
        if (crumb < 0) crumb = Array.FindIndex(lines, IsBreadcrumbByShape);
        int meta = FindIndex(lines, crumb + 1, IsMetaLine);
        if (meta < 0 && crumb > 0) meta = FindIndex(lines, 0, IsMetaLine) is var above && above < crumb ? above : -1;
        int crumbBelow = crumb > meta && meta >= 0 ? crumb : lines.Length;

        int titleAt, bodyFrom;
        if (meta >= 0)
        {
            titleAt = FindLastIndex(lines, meta - 1, crumb < meta ? crumb + 1 : 0, l => l.Length > 0);
            bodyFrom = meta + 1;
            while (bodyFrom < lines.Length && (lines[bodyFrom].Length == 0 || IsMetaLine(lines[bodyFrom]))) bodyFrom++;
        }
        else if (crumb >= 0)
        {
            titleAt = FindIndex(lines, crumb + 1, l => l.Length > 0);
            bodyFrom = titleAt + 1;
        }
        else return ArticleRead.Reject("no recognizable title: found neither a breadcrumb nor a meta line (时间/发布时间/来源/作者)");

        if (titleAt < 0) return ArticleRead.Reject("no recognizable title above the meta line");
        if (lines[titleAt].Length > ScrapedPageRules.MaxTitleLength)
            return ArticleRead.Reject($"no title: the line above the meta line has {lines[titleAt].Length:N0} characters, more than a title's {ScrapedPageRules.MaxTitleLength}");
        string title = lines[titleAt];

        var fields = meta >= 0 ? ReadMeta(lines, meta, bodyFrom) : [];
        if (!fields.TryGetValue(MetaField.Date, out var dateText) || dateText.Length == 0)
            return ArticleRead.Reject("no publication date found (expected 时间:/发布时间:/日期: or a date line under the title)");
        if (!ArticleDates.TryParse(dateText, zone, out var published))
            return ArticleRead.Reject($"invalid date '{dateText}'");

        var paragraphs = ReadBody(raw, lines, bodyFrom, crumbBelow);
        if (paragraphs.Count == 0) return ArticleRead.Reject("no body text after the title");

        return ArticleRead.Ok(new ArticleDraft
        {
            Title = title,
            PublishedAt = published,
            Category = crumb >= 0 ? CategoryFrom(lines[crumb]) : null,
            Author = fields.GetValueOrDefault(MetaField.Author) is { Length: > 0 } a ? a : null,
            Source = fields.GetValueOrDefault(MetaField.Source) is { Length: > 0 } s ? s : null,
            BodyHtml = ArticleHtml.FromParagraphs(paragraphs),
            BodyText = string.Join('\n', paragraphs),
        });
    }

    /// <summary>The breadcrumb's last real segment: navigation words such as 首页 and 正文 are skipped.</summary>
    public static string? CategoryFrom(string breadcrumb)
    {
        string trail = BreadcrumbPattern.Replace(breadcrumb, "", 1);
        return SeparatorPattern.Split(trail)
            .Select(s => s.Trim().Trim('>', '<', '»', '›', '＞'))
            .Where(s => s.Length > 0 && !ScrapedPageRules.NonCategorySegments.Contains(s))
            .LastOrDefault();
    }

    /// <summary>
    /// A breadcrumb without a label: a home word, a separator, and two or more short segments in all. Nav bars
    /// ("首页 | 政务公开 | …") use "|" and are not breadcrumbs; sentences have longer segments or sentence punctuation.
    /// </summary>
    public static bool IsBreadcrumbByShape(string line)
    {
        if (line.Contains('|') || line.Contains('｜') || !HomeFirst.IsMatch(line)) return false;
        var segments = SeparatorPattern.Split(line).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
        return segments.Count >= 2 && segments.All(s => s.Length <= ScrapedPageRules.MaxBreadcrumbSegmentLength && s.IndexOfAny(['。', '，', '；', '！', '？']) < 0);
    }

    private static bool IsMetaLine(string line)
    {
        if (line.Length == 0 || line.Length > ScrapedPageRules.MaxMetaLineLength) return false;
        if (ScrapedPageRules.BareDateLine.IsMatch(line)) return true;
        var labels = MetaLabelPattern.Matches(line);
        if (labels.Count >= 1 && ScrapedPageRules.LeadingDate.IsMatch(line)) return true; // "2023-05-21 08:45　来源：…"
        return labels.Count >= 2 || (labels.Count == 1 && labels[0].Index == 0);
    }

    private static Dictionary<MetaField, string> ReadMeta(string[] lines, int from, int to)
    {
        var fields = new Dictionary<MetaField, string>();
        for (int i = from; i < to; i++)
        {
            string line = lines[i];
            if (ScrapedPageRules.BareDateLine.IsMatch(line)) { SetIfEmpty(fields, MetaField.Date, line); continue; }
            if (ScrapedPageRules.LeadingDate.Match(line) is { Success: true } leading) SetIfEmpty(fields, MetaField.Date, leading.Value);
            var labels = MetaLabelPattern.Matches(line);
            for (int k = 0; k < labels.Count; k++)
            {
                int start = labels[k].Index + labels[k].Length;
                int end = k + 1 < labels.Count ? labels[k + 1].Index : line.Length;
                string value = line[start..end].Trim().Trim('|', '｜', '丨', ' ', '\u3000', '【', '】', '[', ']').Trim();
                var field = FieldOf[labels[k].Groups["label"].Value];
                if (field != MetaField.Ignored) SetIfEmpty(fields, field, value);
            }
        }
        return fields;
    }

    // A label with nothing after it ("发布时间：" with the date on the next line) leaves the field open for what follows.
    private static void SetIfEmpty(Dictionary<MetaField, string> fields, MetaField field, string value)
    {
        if (!fields.TryGetValue(field, out var have) || have.Length == 0) fields[field] = value;
    }

    private static List<string> ReadBody(string[] raw, string[] lines, int from, int to)
    {
        var paragraphs = new List<string>();
        for (int i = from; i < to; i++)
        {
            // The footer is recognised on the line as written (print/close buttons included), but only
            // once the body has begun: the same buttons often stand between the title and the body.
            if (paragraphs.Count > 0 && ScrapedPageRules.FooterStarts.Any(r => r.IsMatch(raw[i]))) break;
            if (lines[i].Length > 0) paragraphs.Add(lines[i]);
        }
        return paragraphs;
    }

    private static string NormalizeLine(string line) =>
        line.Replace('\u00A0', ' ').Replace("\u200B", "").Replace("\uFEFF", "").Trim();

    private static string RemoveInlineChrome(string line)
    {
        foreach (var pattern in ScrapedPageRules.InlineChrome) line = pattern.Replace(line, " ");
        return line.Trim();
    }

    private static int FindIndex(string[] lines, int from, Func<string, bool> match)
    {
        for (int i = Math.Max(from, 0); i < lines.Length; i++) if (match(lines[i])) return i;
        return -1;
    }

    private static int FindLastIndex(string[] lines, int from, int downTo, Func<string, bool> match)
    {
        for (int i = from; i >= Math.Max(downTo, 0); i--) if (match(lines[i])) return i;
        return -1;
    }
}
