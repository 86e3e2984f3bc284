using System.Text.RegularExpressions;

namespace Publisher.Articles;

/// <summary>What a meta-line label says about the article.</summary>
public enum MetaField { Date, Source, Author, Ignored }

/// <summary>
/// The tables the scraped-page reader follows. To teach it a new site, add a label, a segment or a
/// pattern here; <see cref="ScrapedPageParser"/> holds no site-specific knowledge of its own.
/// See Articles/README.md for how the rules are applied.
/// </summary>
public static class ScrapedPageRules
{
    /// <summary>Labels that open a breadcrumb line ("您现在的位置：首页 > 政务公开 > 通知公告").</summary>
    public static readonly string[] BreadcrumbLabels =
        ["您现在的位置", "您当前的位置", "你现在的位置", "你当前的位置", "您所在的位置", "您所在位置", "当前所在位置", "您的位置", "你的位置",
         "当前所在", "当前位置", "所在位置", "现在位置", "位置", "Current Location", "Current Position", "Your Location", "You are here", "Location"];

    /// <summary>Separators between breadcrumb segments, longest first. Hyphens and dashes count only with spaces around them.</summary>
    public static readonly string[] BreadcrumbSeparators = [">>", "»", "›", "＞", ">", "→", "/", "\\", "|", "－", " - ", " — ", " – ", "——", "—"];

    /// <summary>
    /// Words a breadcrumb without a label starts with ("首页 > 新闻中心 > 工作动态"). Such a line is a breadcrumb by its shape:
    /// a home word, then two or more short segments joined by one separator (not "|", which nav bars use).
    /// </summary>
    public static readonly string[] HomeWords = ["网站首页", "本站首页", "返回首页", "首页", "主页", "Home", "HOME"];

    /// <summary>Longest segment of a breadcrumb recognised by its shape; longer ones are sentences.</summary>
    public const int MaxBreadcrumbSegmentLength = 24;

    /// <summary>Breadcrumb segments that are navigation, never a category.</summary>
    public static readonly HashSet<string> NonCategorySegments =
        ["首页", "网站首页", "主页", "本站首页", "返回首页", "正文", "正文内容", "内容", "详情", "详细内容", "文章内容", "阅读文章", "浏览文章", "当前页", "文章", "信息详情", "新闻详情",
         "Home", "HOME", "Content", "Detail", "Details"];

    /// <summary>Meta-line labels, each followed by ":" or "：".</summary>
    public static readonly (string Label, MetaField Field)[] MetaLabels =
    [
        ("发布时间", MetaField.Date), ("发布日期", MetaField.Date), ("发文日期", MetaField.Date), ("成文日期", MetaField.Date),
        ("更新时间", MetaField.Date), ("更新日期", MetaField.Date), ("时间", MetaField.Date), ("日期", MetaField.Date),
        ("信息来源", MetaField.Source), ("文章来源", MetaField.Source), ("稿件来源", MetaField.Source), ("来源", MetaField.Source),
        ("发布机构", MetaField.Source), ("发布单位", MetaField.Source),
        ("作者", MetaField.Author), ("撰稿人", MetaField.Author), ("撰稿", MetaField.Author), ("发布者", MetaField.Author),
        ("文字", MetaField.Author), ("记者", MetaField.Author),
        ("点击数", MetaField.Ignored), ("点击量", MetaField.Ignored), ("点击", MetaField.Ignored), ("浏览次数", MetaField.Ignored),
        ("浏览量", MetaField.Ignored), ("阅读次数", MetaField.Ignored), ("阅读量", MetaField.Ignored), ("访问量", MetaField.Ignored),
        ("访问次数", MetaField.Ignored), ("字号", MetaField.Ignored), ("字体", MetaField.Ignored), ("分享", MetaField.Ignored),
        // English chrome some Chinese sites wear.
        ("Release Date", MetaField.Date), ("Publish Date", MetaField.Date), ("Published", MetaField.Date), ("Date", MetaField.Date),
        ("Source", MetaField.Source), ("Author", MetaField.Author), ("Editor", MetaField.Ignored),
        ("Views", MetaField.Ignored), ("Hits", MetaField.Ignored), ("Clicks", MetaField.Ignored),
    ];

    /// <summary>Chrome removed wherever it stands in a line: font-size pickers, print and close buttons.</summary>
    public static readonly Regex[] InlineChrome =
    [
        new(@"[【\[]\s*(?:字体|字号)\s*[:：]?\s*大\s*中\s*小\s*[】\]]"),
        new(@"(?:字体|字号)\s*[:：]\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中\s*[】\]]?\s*[【\[]?\s*小\s*[】\]]?"),
        new(@"[【\[]\s*(?:打印本页|打印此页|打印|关闭窗口|关闭本页|关闭|收藏|收藏本页|我要纠错|纠错|返回顶部|加入收藏|大|中|小)\s*[】\]]"),
        new(@"(?:^|\s)(?:打印本页|关闭窗口)(?=\s|$)"),
        new(@"^(?:打印|关闭|返回|Print|Close|Back)$", RegexOptions.IgnoreCase),
        new(@"\[\s*(?:Print|Close|Print this page|Close window)\s*\]", RegexOptions.IgnoreCase),
    ];

    /// <summary>
    /// Lines that open the footer once the body has started; this line and every line after it are chrome.
    /// </summary>
    public static readonly Regex[] FooterStarts =
    [
        new(@"^(?:上一篇|下一篇|上一条|下一条|上一页|下一页)\s*[:：]?"),
        new(@"版权所有|Copyright|©|\(c\)\s*\d{4}", RegexOptions.IgnoreCase),
        new(@"ICP\s*[备证]|公网安备|网站标识码"),
        new(@"^(?:主办单位|承办单位|主管单位|主办|承办|主管|技术支持|网站维护)\s*[:：]"),
        new(@"^本站部分信息|^本网部分|^本站信息|^免责声明|^声明\s*[:：]"),
        new(@"^(?:分享到|相关链接|相关文章|相关新闻|相关阅读|网站地图|联系我们|扫一扫|返回顶部|责任编辑\s*[:：])"),
        new(@"^[【\[]?\s*(?:打印本页|打印此页|关闭窗口|关闭本页)"),
        new(@"^(?:Previous|Next)\s*(?:article|page)?\s*[:：]|^Back to top|^All rights reserved", RegexOptions.IgnoreCase),
    ];

    /// <summary>A line that holds only a date, as some sites print under the title.</summary>
    public static readonly Regex BareDateLine =
        new(@"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s+\d{1,2}[:：时]\d{2}(?:[:：分]\d{2})?分?)?$");

    /// <summary>A date at the start of a meta line that goes on with labels ("2023-05-21 08:45　来源：…").</summary>
    public static readonly Regex LeadingDate =
        new(@"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}[:：时]\d{2}(?:[:：分]\d{2})?分?)?(?=\s|$)");

    /// <summary>Title lines longer than this are body text, not a title.</summary>
    public const int MaxTitleLength = 150;

    /// <summary>Meta lines longer than this are body text that happens to mention a label.</summary>
    public const int MaxMetaLineLength = 200;
}
