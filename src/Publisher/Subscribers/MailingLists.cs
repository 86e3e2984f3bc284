using System.Text.RegularExpressions;
using Cronos;

namespace Publisher.Subscribers;

/// <summary>The rules a list's settings follow, shared by the API and the CLI.</summary>
public static partial class MailingLists
{
    public const int MaxNameLength = 100;
    public const int MaxTitleLength = 200;

    [GeneratedRegex(@"^[\p{L}\p{N}][\p{L}\p{N}._-]*$")]
    private static partial Regex NamePattern();

    public static string? NameError(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "a list name is required"
        : name.Length > MaxNameLength ? $"the list name is longer than {MaxNameLength} characters"
        : !NamePattern().IsMatch(name) ? $"'{name}' is not a list name: use letters, digits, '.', '_' and '-', starting with a letter or digit"
        : null;

    /// <summary>A title goes into the subject and the List-Id header: no line breaks or other control characters.</summary>
    public static string? TitleError(string title) =>
        title.Length > MaxTitleLength ? $"the title is longer than {MaxTitleLength} characters"
        : title.Any(char.IsControl) ? "the title has a line break or another control character"
        : null;

    /// <summary>The name a list goes by in mail: its title, else its description, else its name.</summary>
    public static string DisplayName(MailingList list) => DisplayName(list.Name, list.Description, list.Title);

    /// <remarks>One line: it goes into the subject and the List-Id, and a description may have several.</remarks>
    public static string DisplayName(string name, string description, string title) => Email.HeaderText.OneLine(
        !string.IsNullOrWhiteSpace(title) ? title : !string.IsNullOrWhiteSpace(description) ? description : name);

    public static string? ScheduleError(string? cron)
    {
        if (string.IsNullOrWhiteSpace(cron)) return "a schedule (cron expression) is required";
        try
        {
            CronExpression.Parse(cron, CronFormat.Standard);
            return null;
        }
        catch (CronFormatException ex)
        {
            return $"'{cron}' is not a five-field cron expression: {ex.Message}";
        }
    }

    public static string? TimeZoneError(string? zone) =>
        string.IsNullOrWhiteSpace(zone) ? "a time zone is required"
        : TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _) ? null
        : $"'{zone}' is not a known IANA time zone";

    /// <summary>
    /// The list's zone. Zones are checked when a list is made or changed; one this machine does not know (no tzdata, a
    /// database edited by hand) is a configuration error to fix, not a reason to send at UTC times without a word.
    /// </summary>
    public static TimeZoneInfo Zone(MailingList list) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(list.TimeZone, out var zone) ? zone
        : throw new TimeZoneNotFoundException($"List '{list.Name}' has the time zone '{list.TimeZone}', which this machine does not know: install tzdata or change the list's zone.");

    public static bool TryParseOptIn(string? value, out OptIn optIn)
    {
        optIn = OptIn.Double;
        if (string.IsNullOrWhiteSpace(value)) return true;
        return Enum.TryParse(value, ignoreCase: true, out optIn) && Enum.IsDefined(optIn);
    }

    public static string JoinCategories(IEnumerable<string>? categories) =>
        string.Join('\n', (categories ?? []).Select(c => c.Trim()).Where(c => c.Length > 0).Distinct());
}
