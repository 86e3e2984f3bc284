using System.Globalization;
using System.Text;
using Publisher.Text;
using System.Text.RegularExpressions;

namespace Publisher.Articles;

/// <summary>
/// Dates as Chinese sites and front matter write them: 2023-11-02 15:20, 2016/09/30, 2021.03.15,
/// 2018年6月1日 8时30分, ISO 8601 with or without zone. A time without a zone is read in the site's zone.
/// </summary>
public static partial class ArticleDates
{
    [GeneratedRegex(@"(?<y>[0-9]{4})\s*[-/.年]\s*(?<m>[0-9]{1,2})\s*[-/.月]\s*(?<d>[0-9]{1,2})\s*日?(?:(?:\s*|T)(?<H>[0-9]{1,2})\s*[:：时点]\s*(?<M>[0-9]{1,2})(?:\s*[:：分]\s*(?<S>[0-9]{1,2})(?:\.[0-9]+)?)?\s*分?秒?)?\s*(?<z>Z|[+-](?<zh>[0-9]{2}):?(?<zm>[0-9]{2}))?")]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"\d")]
    private static partial Regex AnyDigit();

    /// <summary>True when <paramref name="value"/> has anything that looks like a date attempt.</summary>
    public static bool LooksLikeDate(string value) => AnyDigit().IsMatch(value);

    /// <summary>Longer values are not a date (a meta line is at most 200 characters too).</summary>
    public const int MaxLength = 200;

    public static bool TryParse(string value, TimeZoneInfo zone, out DateTimeOffset result)
    {
        result = default;
        if (value.Length > MaxLength) return false;
        var m = DatePattern().Match(AsciiDigits(value));
        if (!m.Success) return false;
        // Every group is one to four ASCII digits by the pattern, so this never fails.
        int Int(string group) => m.Groups[group].Success ? int.Parse(m.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture) : 0;
        int y = Int("y"), mo = Int("m"), d = Int("d"), h = Int("H"), mi = Int("M"), s = Int("S");
        if (y < 1900 || y > 2200 || mo is < 1 or > 12 || d < 1 || d > DateTime.DaysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return false;
        var local = new DateTime(y, mo, d, h, mi, s, DateTimeKind.Unspecified);

        if (m.Groups["z"].Success)
        {
            var offset = m.Groups["z"].Value == "Z" ? TimeSpan.Zero : new TimeSpan(Int("zh"), Int("zm"), 0);
            if (Int("zm") > 59 || offset > TimeSpan.FromHours(14)) return false; // +99:99 is no offset any clock has
            result = new DateTimeOffset(local, m.Groups["z"].Value[0] == '-' ? -offset : offset);
            return true;
        }
        // A wall-clock time skipped by a DST change does not exist; move it past the gap.
        if (zone.IsInvalidTime(local)) local = local.AddHours(1);
        result = new DateTimeOffset(local, zone.GetUtcOffset(local));
        return true;
    }

    /// <summary>
    /// Full-width forms (２０２４－０１－０５ １０：３０, common on Chinese sites) become ASCII by NFKC; digits of other scripts
    /// (Arabic-Indic ٢٠٢٤, Devanagari २०२४, …) by their decimal value. The pattern then sees ASCII digits only.
    /// </summary>
    private static string AsciiDigits(string value)
    {
        // Normalization throws on a lone surrogate, which no date holds anyway.
        string text = XmlSafeText.Clean(value);
        text = text.IsNormalized(NormalizationForm.FormKC) ? text : text.Normalize(NormalizationForm.FormKC);
        if (!text.Any(c => c > '\u007F' && char.IsDigit(c))) return text;
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
            sb.Append(c > '\u007F' && CharUnicodeInfo.GetDecimalDigitValue(c) is var digit and >= 0 ? (char)('0' + digit) : c);
        return sb.ToString();
    }

    /// <summary>The zone for times written without one: the configured one, else Asia/Shanghai on zh-* sites, else UTC.</summary>
    public static TimeZoneInfo ZoneFor(SiteOptions site)
    {
        if (!string.IsNullOrWhiteSpace(site.TimeZone) && TimeZoneInfo.TryFindSystemTimeZoneById(site.TimeZone, out var configured)) return configured;
        if (!site.IsChinese) return TimeZoneInfo.Utc;
        return TimeZoneInfo.TryFindSystemTimeZoneById("Asia/Shanghai", out var shanghai)
            ? shanghai
            : TimeZoneInfo.CreateCustomTimeZone("China Standard Time", TimeSpan.FromHours(8), "China Standard Time", "CST");
    }
}
