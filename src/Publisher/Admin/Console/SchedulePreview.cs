using Cronos;

namespace Publisher.Admin.Console;

/// <summary>The next send times of a schedule in its zone, as the list form shows them; the zones to choose from.</summary>
public static class SchedulePreview
{
    private static readonly Lazy<IReadOnlyList<string>> AllZones = new(() =>
        TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id).Where(id => id.Contains('/') || id == "UTC").Order(StringComparer.Ordinal).ToList());

    /// <summary>The IANA zones this machine knows, for the form's searchable choice.</summary>
    public static IReadOnlyList<string> Zones => AllZones.Value;

    /// <summary>The next <paramref name="count"/> times (UTC) after <paramref name="fromUtc"/>; empty when the schedule or the zone is not valid.</summary>
    public static IReadOnlyList<DateTime> Next(string? cron, string? zoneId, DateTime fromUtc, int count = 5)
    {
        if (string.IsNullOrWhiteSpace(cron) || string.IsNullOrWhiteSpace(zoneId) || !TimeZoneInfo.TryFindSystemTimeZoneById(zoneId.Trim(), out var zone)) return [];
        CronExpression expression;
        try { expression = CronExpression.Parse(cron.Trim(), CronFormat.Standard); }
        catch (CronFormatException) { return []; }
        var times = new List<DateTime>(count);
        var from = DateTime.SpecifyKind(fromUtc, DateTimeKind.Utc);
        while (times.Count < count && expression.GetNextOccurrence(from, zone) is { } next)
        {
            times.Add(next);
            from = next;
        }
        return times;
    }
}
