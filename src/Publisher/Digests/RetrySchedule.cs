using System.Globalization;
using Microsoft.Extensions.Options;

namespace Publisher.Digests;

/// <summary>
/// When a delivery that was refused for now is tried again, and how long it is tried at all: the waits of
/// <c>Publisher:Digests:RetryDelays</c> (the last one repeating) within <c>Publisher:Digests:RetryFor</c>, as an MTA's
/// queue does. The same waits space the probes of a mail server that could not be reached.
/// </summary>
public sealed class RetrySchedule
{
    /// <summary>From a minute (greylisting usually lifts within minutes) to four hours (an outage).</summary>
    public const string DefaultDelays = "00:01:00,00:05:00,00:15:00,00:30:00,01:00:00,02:00:00,04:00:00";

    public IReadOnlyList<TimeSpan> Delays { get; }
    public TimeSpan RetryFor { get; }

    public RetrySchedule(IOptions<PublisherOptions> options)
    {
        var digests = options.Value.Digests;
        if (!TryParse(digests.RetryDelays, out var delays, out var error)) throw new OptionsValidationException(PublisherOptions.Section, typeof(PublisherOptions), [$"Publisher:Digests:RetryDelays {error}"]);
        Delays = delays;
        RetryFor = digests.RetryFor;
    }

    /// <summary>The wait after the <paramref name="failures"/>-th failure in a row (1 for the first).</summary>
    public TimeSpan DelayAfter(int failures) => Delays[Math.Clamp(failures - 1, 0, Delays.Count - 1)];

    /// <summary>Whether something failing since <paramref name="since"/> has been retried long enough at <paramref name="now"/>.</summary>
    public bool GaveUp(DateTime since, DateTime now) => now - since >= RetryFor;

    public static bool TryParse(string? text, out IReadOnlyList<TimeSpan> delays, out string? error)
    {
        var parsed = new List<TimeSpan>();
        delays = parsed;
        error = null;
        if (string.IsNullOrWhiteSpace(text)) { error = "must list at least one wait, for example 00:01:00,00:05:00."; return false; }
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!TimeSpan.TryParse(part, CultureInfo.InvariantCulture, out var delay) || delay <= TimeSpan.Zero || delay > TimeSpan.FromDays(7))
            {
                error = $"has '{part}', which is not a wait between 00:00:00.001 and 7.00:00:00 (hh:mm:ss, comma-separated).";
                return false;
            }
            parsed.Add(delay);
        }
        return true;
    }
}
