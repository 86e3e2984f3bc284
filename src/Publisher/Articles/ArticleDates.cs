using System.Globalization;
using System.Text.RegularExpressions;

namespace Publisher.Articles;

/// <summary>
/// Dates as Chinese sites and front matter write them: 2023-11-02 15:20, 2016/09/30, 2021.03.15,
/// 2018年6月1日 8时30分, ISO 8601 with or without zone. A time without a zone is read in the site's zone.
/// </summary>
public static partial class ArticleDates
{
    [GeneratedRegex(@"(?<y>\d{4})\s*[-/.年]\s*(?<m>\d{1,2})\s*[-/.月]\s*(?<d>\d{1,2})\s*日?(?:(?:\s*|T)(?<H>\d{1,2})\s*[:：时点]\s*(?<M>\d{1,2})(?:\s*[:：分]\s*(?<S>\d{1,2})(?:\.\d+)?)?\s*分?秒?)?\s*(?<z>Z|[+-]\d{2}:?\d{2})?")]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"\d")]
    private static partial Regex AnyDigit();

    /// <summary>True when <paramref name="value"/> has anything that looks like a date attempt.</summary>
    public static bool LooksLikeDate(string value) => AnyDigit().IsMatch(value);

    public static bool TryParse(string value, TimeZoneInfo zone, out DateTimeOffset result)
    {
        result = default;
        var m = DatePattern().Match(value);
        if (!m.Success) return false;
        int Int(string group, int fallback = 0) => m.Groups[group].Success ? int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture) : fallback;
        int y = Int("y"), mo = Int("m"), d = Int("d"), h = Int("H"), mi = Int("M"), s = Int("S");
        if (y < 1900 || y > 2200 || mo is < 1 or > 12 || d < 1 || d > DateTime.DaysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return false;
        var local = new DateTime(y, mo, d, h, mi, s, DateTimeKind.Unspecified);

        if (m.Groups["z"].Success)
        {
            string z = m.Groups["z"].Value;
            var offset = z == "Z" ? TimeSpan.Zero
                : TimeSpan.ParseExact(z.TrimStart('+', '-').Replace(":", ""), "hhmm", CultureInfo.InvariantCulture) * (z[0] == '-' ? -1 : 1);
            if (offset.Duration() > TimeSpan.FromHours(14)) return false;
            result = new DateTimeOffset(local, offset);
            return true;
        }
        // A wall-clock time skipped by a DST change does not exist; move it past the gap.
        if (zone.IsInvalidTime(local)) local = local.AddHours(1);
        result = new DateTimeOffset(local, zone.GetUtcOffset(local));
        return true;
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
