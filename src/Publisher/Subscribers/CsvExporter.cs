using System.Globalization;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Publisher.Data;

namespace Publisher.Subscribers;

/// <summary>Writes a list's members as CSV: <c>email,name,status,subscribed_at,confirmed_at</c>, times in ISO 8601 UTC.</summary>
public static class CsvExporter
{
    public static async Task<int> WriteAsync(PublisherDbContext db, MailingList list, TextWriter output, CancellationToken ct = default)
    {
        // Names come from a public form: a leading '=', '+', '-' or '@' must not become a spreadsheet formula.
        var config = new CsvHelper.Configuration.CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = CsvHelper.Configuration.InjectionOptions.Escape };
        await using var csv = new CsvWriter(output, config, leaveOpen: true);
        foreach (var column in new[] { "email", "name", "status", "subscribed_at", "confirmed_at" }) csv.WriteField(column);
        await csv.NextRecordAsync();
        int count = 0;
        var rows = db.Memberships.AsNoTracking().Where(m => m.ListId == list.Id).OrderBy(m => m.Id)
            .Select(m => new { m.Subscriber.Email, m.Subscriber.Name, m.Status, m.SubscribedUtc, m.ConfirmedUtc })
            .AsAsyncEnumerable();
        await foreach (var r in rows.WithCancellation(ct))
        {
            csv.WriteField(r.Email);
            csv.WriteField(r.Name ?? "");
            csv.WriteField(r.Status.ToString().ToLowerInvariant());
            csv.WriteField(Iso(r.SubscribedUtc));
            csv.WriteField(r.ConfirmedUtc is { } c ? Iso(c) : "");
            await csv.NextRecordAsync();
            count++;
        }
        await csv.FlushAsync();
        return count;
    }

    /// <summary>
    /// Undoes the export's formula escape, so an exported file imports as the same members: a field that starts with a
    /// quote followed by one of the characters the export escapes (<c>= + - @</c>, tab, CR) loses the quote.
    /// </summary>
    public static string? Unescape(string? field) =>
        field is ['\'', '=' or '+' or '-' or '@' or '\t' or '\r', ..] ? field[1..] : field;

    private static string Iso(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
