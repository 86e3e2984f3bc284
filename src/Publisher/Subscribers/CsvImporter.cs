using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.EntityFrameworkCore;
using Publisher.Data;
using Publisher.Text;

namespace Publisher.Subscribers;

/// <summary>One bad row of an import: its line in the file and why it did not land.</summary>
public sealed record ImportProblem(int Line, string? Email, string Reason);

public sealed record ImportReport(int Rows, int Added, int Confirmed, int Unchanged, int Refused, int Failed, IReadOnlyList<ImportProblem> Problems);

/// <summary>
/// Imports <c>email,name</c> CSV (more columns allowed) into a list, in batches of one transaction each.
/// Good rows land; each bad row is reported with its line and reason. Re-importing is idempotent, and an
/// import never re-subscribes an unsubscribed or bounced member.
/// </summary>
public sealed class CsvImporter(PublisherDbContext db, TimeProvider clock, ConfirmationSignal confirmations)
{
    public const int BatchSize = 2000;

    private sealed record Row(int Line, string Email, string? Name);

    /// <summary>Imports <paramref name="bytes"/>; <paramref name="progress"/> gets the rows read so far. Returns null and an error when the file is unusable as a whole.</summary>
    public async Task<(ImportReport? Report, string? Error)> ImportAsync(MailingList list, byte[] bytes, bool confirmed,
        IProgress<int>? progress = null, CancellationToken ct = default)
    {
        if (!TextFileDecoder.TryDecode(bytes, out var text, out var decodeError)) return (null, $"unreadable CSV: {decodeError}");

        var problems = new List<ImportProblem>();
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = a => a.Header.Trim().ToLowerInvariant(),
            MissingFieldFound = null,
            HeaderValidated = null,
            TrimOptions = TrimOptions.Trim,
            DetectColumnCountChanges = false,
            BadDataFound = a => problems.Add(new ImportProblem(a.Context.Parser!.RawRow, null, $"malformed CSV: unbalanced or stray quote in {Excerpt(a.RawRecord)}")),
        };
        using var reader = new StringReader(text);
        using var csv = new CsvReader(reader, config);
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is null) return (null, "the CSV has no header row");
        var header = csv.HeaderRecord.Select(h => h.Trim().ToLowerInvariant()).ToList();
        if (!header.Contains("email")) return (null, $"the header row has no 'email' column (found: {string.Join(",", csv.HeaderRecord)})");
        bool hasName = header.Contains("name");

        int rows = 0, added = 0, confirmedCount = 0, unchanged = 0, refused = 0;
        var firstLineOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var batch = new List<Row>(BatchSize);
        int lastLine = csv.Parser.RawRow;
        while (true)
        {
            int problemsBefore = problems.Count;
            bool more = csv.Read();
            if (more)
            {
                rows++;
                int line = lastLine + 1; // where the record starts: a quoted field may span lines
                lastLine = csv.Parser.RawRow;
                if (problems.Count > problemsBefore) continue; // BadDataFound already named this row
                if (csv.Parser.RawRecord.Count(c => c == '"') % 2 == 1)
                {
                    // An opening quote never closed swallows every line after it into one field.
                    problems.Add(new(line, null, $"malformed CSV: unbalanced quote in {Excerpt(csv.Parser.RawRecord)} (it runs to the end of the file)"));
                    continue;
                }
                string? rawEmail = csv.GetField("email");
                string? rawName = hasName ? csv.GetField("name") : null;
                if (!EmailAddress.TryNormalize(rawEmail, out var email, out var emailError)) problems.Add(new(line, rawEmail, emailError!));
                else if (!SubscriberName.TryNormalize(rawName, out var name, out var nameError)) problems.Add(new(line, email, nameError!));
                else if (firstLineOf.TryGetValue(EmailAddress.Key(email), out int first)) problems.Add(new(line, email, $"duplicate of line {first}"));
                else
                {
                    firstLineOf[EmailAddress.Key(email)] = line;
                    batch.Add(new Row(line, email, name));
                }
            }
            if (batch.Count >= BatchSize || (!more && batch.Count > 0))
            {
                var (a, c, u, r) = await StoreAsync(list, batch, confirmed, problems, ct);
                added += a; confirmedCount += c; unchanged += u; refused += r;
                batch.Clear();
                progress?.Report(rows);
            }
            if (!more) break;
        }
        progress?.Report(rows);
        if (added > 0 && !confirmed && list.OptIn == OptIn.Double) confirmations.Notify();
        problems.Sort((x, y) => x.Line.CompareTo(y.Line));
        int failed = problems.Count - refused;
        return (new ImportReport(rows, added, confirmedCount, unchanged, refused, failed, problems), null);
    }

    private static string Excerpt(string raw)
    {
        string oneLine = raw.ReplaceLineEndings(" ").Trim();
        return "'" + (oneLine.Length > 60 ? oneLine[..60] + "…" : oneLine) + "'";
    }

    private async Task<(int Added, int Confirmed, int Unchanged, int Refused)> StoreAsync(MailingList list, List<Row> rows, bool confirmed,
        List<ImportProblem> problems, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var keys = rows.Select(r => EmailAddress.Key(r.Email)).ToList();
        var subscribers = await db.Subscribers.Where(s => keys.Contains(s.EmailKey)).ToDictionaryAsync(s => s.EmailKey, StringComparer.Ordinal, ct);
        var ids = subscribers.Values.Select(s => s.Id).ToList();
        var memberships = await db.Memberships.Where(m => m.ListId == list.Id && ids.Contains(m.SubscriberId)).ToDictionaryAsync(m => m.SubscriberId, ct);
        bool confirmNow = confirmed || list.OptIn == OptIn.Single;
        int added = 0, confirmedCount = 0, unchanged = 0, refused = 0;

        foreach (var row in rows)
        {
            string key = EmailAddress.Key(row.Email);
            if (!subscribers.TryGetValue(key, out var subscriber))
            {
                subscriber = new Subscriber { Email = row.Email, EmailKey = key, Name = row.Name, CreatedUtc = now, UpdatedUtc = now };
                db.Subscribers.Add(subscriber);
                subscribers[key] = subscriber;
            }
            else if (row.Name is not null && subscriber.Name != row.Name)
            {
                subscriber.Name = row.Name;
                subscriber.UpdatedUtc = now;
            }

            if (subscriber.Id == 0 || !memberships.TryGetValue(subscriber.Id, out var membership))
            {
                db.Memberships.Add(new Membership
                {
                    ListId = list.Id, Subscriber = subscriber, SubscribedUtc = now, UpdatedUtc = now,
                    Status = confirmNow ? MembershipStatus.Confirmed : MembershipStatus.Unconfirmed,
                    ConfirmedUtc = confirmNow ? now : null,
                    ConfirmationRequestedUtc = confirmNow ? null : now,
                });
                added++;
                continue;
            }
            switch (membership.Status)
            {
                case MembershipStatus.Unconfirmed when confirmed:
                    Subscriptions.Confirm(membership, now);
                    confirmedCount++;
                    break;
                case MembershipStatus.Unsubscribed or MembershipStatus.Bounced:
                    string when = (membership.Status == MembershipStatus.Bounced ? membership.BouncedUtc : membership.UnsubscribedUtc)?.ToString("yyyy-MM-dd") ?? "earlier";
                    problems.Add(new(row.Line, row.Email, $"{membership.Status.ToString().ToLowerInvariant()} on {when}: an import does not re-subscribe"));
                    refused++;
                    break;
                default:
                    unchanged++;
                    break;
            }
        }
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        return (added, confirmedCount, unchanged, refused);
    }
}
