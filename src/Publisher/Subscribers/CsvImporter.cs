using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Publisher.Data;
using Publisher.Text;

namespace Publisher.Subscribers;

/// <summary>One bad row of an import: its line in the file and why it did not land.</summary>
public sealed record ImportProblem(int Line, string? Email, string Reason);

/// <summary>Where an import had to stop because storage refused a write: every row before <see cref="AtLine"/> is stored.</summary>
public sealed record ImportStop(int AtLine, int StoredThroughLine, string Reason,
    [property: System.Text.Json.Serialization.JsonIgnore] Hosting.StorageFailure Failure);

public sealed record ImportReport(int Rows, int Added, int Confirmed, int Unchanged, int Refused, int Failed, IReadOnlyList<ImportProblem> Problems,
    ImportStop? Stopped = null);

/// <summary>
/// Imports <c>email,name</c> CSV (more columns allowed) into a list, in batches of one transaction each.
/// Good rows land; each bad row is reported with its line and reason. Re-importing is idempotent, and an
/// import never re-subscribes an unsubscribed or bounced member.
/// </summary>
public sealed class CsvImporter(PublisherDbContext db, TimeProvider clock, ConfirmationSignal confirmations, SubscriberTokens tokens)
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

        int rows = 0, added = 0, confirmedCount = 0, unchanged = 0, refused = 0, rowsBeforeBatch = 0;
        ImportStop? stopped = null;
        var firstLineOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var batch = new List<Row>(BatchSize);
        while (true)
        {
            int problemsBefore = problems.Count;
            bool more = csv.Read();
            if (more)
            {
                rows++;
                // Where the record starts: RawRow is its last line, and a quoted field may span several.
                int line = csv.Parser.RawRow - csv.Parser.RawRecord.TrimEnd('\r', '\n').Count(c => c == '\n');
                if (problems.Count > problemsBefore) continue; // BadDataFound already named this row
                if (csv.Parser.RawRecord.Count(c => c == '"') % 2 == 1)
                {
                    // An opening quote never closed swallows every line after it into one field.
                    problems.Add(new(line, null, $"malformed CSV: unbalanced quote in {Excerpt(csv.Parser.RawRecord)} (it runs to the end of the file)"));
                    continue;
                }
                string? rawEmail = CsvExporter.Unescape(csv.GetField("email"));
                string? rawName = hasName ? CsvExporter.Unescape(csv.GetField("name")) : null;
                if (!EmailAddress.TryNormalize(rawEmail, out var email, out var emailError)) problems.Add(new(line, rawEmail, emailError!));
                else if (!SubscriberName.TryNormalize(rawName, out var name, out var nameError)) problems.Add(new(line, email, nameError!));
                else if (firstLineOf.TryGetValue(EmailAddress.Key(email), out int first)) problems.Add(new(line, email, $"duplicate of line {first}"));
                else
                {
                    firstLineOf[EmailAddress.Key(email)] = line;
                    if (batch.Count == 0) rowsBeforeBatch = rows - 1; // the rows read before this batch's first one
                    batch.Add(new Row(line, email, name));
                }
            }
            if (batch.Count >= BatchSize || (!more && batch.Count > 0))
            {
                int firstLine = batch[0].Line;
                try
                {
                    var batchProblems = new List<ImportProblem>();
                    var (a, c, u, r) = await StoreAsync(list, batch, confirmed, batchProblems, ct);
                    problems.AddRange(batchProblems);
                    added += a; confirmedCount += c; unchanged += u; refused += r;
                }
                catch (Exception ex) when (Hosting.StorageFailures.Of(ex) is { } failure)
                {
                    // The batch rolled back as a whole; what came before it is committed. Say exactly where to resume.
                    stopped = new ImportStop(firstLine, firstLine - 1, failure.Title + ": " + ex.GetBaseException().Message, failure);
                    problems.RemoveAll(p => p.Line >= firstLine);
                    rows = rowsBeforeBatch;
                    break;
                }
                batch.Clear();
                progress?.Report(rows);
            }
            if (!more) break;
        }
        progress?.Report(rows);
        if (added > 0 && !confirmed && list.OptIn == OptIn.Double) confirmations.Notify();
        problems.Sort((x, y) => x.Line.CompareTo(y.Line));
        int failed = problems.Count - refused;
        return (new ImportReport(rows, added, confirmedCount, unchanged, refused, failed, problems, stopped), null);
    }

    private static string Excerpt(string raw)
    {
        string oneLine = raw.ReplaceLineEndings(" ").Trim();
        return "'" + (oneLine.Length > 60 ? oneLine[..60] + "…" : oneLine) + "'";
    }

    private sealed record Known(int Id, string EmailKey, string? Name);
    private sealed record KnownMembership(int Id, int SubscriberId, MembershipStatus Status, DateTime? UnsubscribedUtc, DateTime? BouncedUtc);

    /// <summary>
    /// Stores one batch in one transaction. New subscribers and memberships go in as multi-row INSERTs (EF's
    /// one-statement-per-entity inserts made 100,000 rows take half a minute); the rare changes to existing
    /// rows go through EF. ON CONFLICT DO NOTHING makes a concurrent import of the same address harmless.
    /// </summary>
    private async Task<(int Added, int Confirmed, int Unchanged, int Refused)> StoreAsync(MailingList list, List<Row> rows, bool confirmed,
        List<ImportProblem> problems, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        bool confirmNow = confirmed || list.OptIn == OptIn.Single;
        int added = 0, confirmedCount = 0, unchanged = 0, refused = 0;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);

        var byKey = rows.ToDictionary(r => EmailAddress.Key(r.Email), StringComparer.Ordinal);
        var keys = byKey.Keys.ToList();
        var known = await db.Subscribers.AsNoTracking().Where(s => EF.Parameter(keys).Contains(s.EmailKey))
            .Select(s => new Known(s.Id, s.EmailKey, s.Name)).ToDictionaryAsync(s => s.EmailKey, StringComparer.Ordinal, ct);

        // Someone who erased their data left only a keyed hash of their address: an import does not bring them back.
        var hashes = byKey.Keys.Where(k => !known.ContainsKey(k)).ToDictionary(tokens.AddressHash, k => k, StringComparer.Ordinal);
        var hashList = hashes.Keys.ToList();
        foreach (var erased in await db.ErasedAddresses.AsNoTracking().Where(e => EF.Parameter(hashList).Contains(e.Hash)).ToListAsync(ct))
        {
            var row = byKey[hashes[erased.Hash]];
            problems.Add(new(row.Line, row.Email, $"erased at the owner's request on {erased.ErasedUtc:yyyy-MM-dd}: an import does not re-subscribe"));
            refused++;
            byKey.Remove(hashes[erased.Hash]);
        }

        var fresh = byKey.Where(kv => !known.ContainsKey(kv.Key)).ToList();
        var freshKeySet = fresh.Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        await InsertRowsAsync("Subscribers", ["Email", "EmailKey", "Name", "CreatedUtc", "UpdatedUtc"], "(\"EmailKey\")",
            fresh.Select(kv => new object?[] { kv.Value.Email, kv.Key, kv.Value.Name, now, now }), ct);
        if (fresh.Count > 0)
        {
            var freshKeys = fresh.Select(kv => kv.Key).ToList();
            foreach (var s in await db.Subscribers.AsNoTracking().Where(s => EF.Parameter(freshKeys).Contains(s.EmailKey))
                         .Select(s => new Known(s.Id, s.EmailKey, s.Name)).ToListAsync(ct))
                known[s.EmailKey] = s;
        }

        // An admin's file may correct names of people already known.
        foreach (var (key, row) in byKey)
            if (row.Name is not null && known[key].Name != row.Name && !freshKeySet.Contains(key))
                await db.Subscribers.Where(s => s.Id == known[key].Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.Name, row.Name).SetProperty(x => x.UpdatedUtc, now), ct);

        var ids = known.Values.Select(k => k.Id).ToList();
        var memberships = await db.Memberships.AsNoTracking().Where(m => m.ListId == list.Id && EF.Parameter(ids).Contains(m.SubscriberId))
            .Select(m => new KnownMembership(m.Id, m.SubscriberId, m.Status, m.UnsubscribedUtc, m.BouncedUtc))
            .ToDictionaryAsync(m => m.SubscriberId, ct);

        var joins = new List<object?[]>();
        foreach (var (key, row) in byKey)
        {
            int subscriberId = known[key].Id;
            if (!memberships.TryGetValue(subscriberId, out var membership))
            {
                joins.Add([list.Id, subscriberId, (confirmNow ? MembershipStatus.Confirmed : MembershipStatus.Unconfirmed).ToString(),
                    now, confirmNow ? now : null, confirmNow ? null : now, 0, "", now]);
                continue;
            }
            switch (membership.Status)
            {
                case MembershipStatus.Unconfirmed when confirmed:
                    await db.Memberships.Where(m => m.Id == membership.Id).ExecuteUpdateAsync(m => m
                        .SetProperty(x => x.Status, MembershipStatus.Confirmed).SetProperty(x => x.ConfirmedUtc, now)
                        .SetProperty(x => x.ConfirmationRequestedUtc, (DateTime?)null).SetProperty(x => x.UpdatedUtc, now), ct);
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
        // A row a concurrent import inserted first is not counted as added here.
        int joined = await InsertRowsAsync("Memberships",
            ["ListId", "SubscriberId", "Status", "SubscribedUtc", "ConfirmedUtc", "ConfirmationRequestedUtc", "ConsecutiveBounces", "Categories", "UpdatedUtc"],
            "(\"ListId\", \"SubscriberId\")", joins, ct);
        added += joined;
        unchanged += joins.Count - joined;
        await transaction.CommitAsync(ct);
        return (added, confirmedCount, unchanged, refused);
    }

    /// <summary>
    /// INSERT … ON CONFLICT DO NOTHING, one prepared command executed per row inside the batch's transaction: the
    /// fastest bulk path SQLite has (a multi-row VALUES list binds its parameters by name, which costs the square
    /// of their number), and plain ADO.NET, so PostgreSQL runs it too.
    /// </summary>
    private async Task<int> InsertRowsAsync(string table, string[] columns, string conflictTarget, IEnumerable<object?[]> rows, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) " +
                              $"VALUES ({string.Join(", ", columns.Select((_, n) => "@c" + n))}) ON CONFLICT {conflictTarget} DO NOTHING";
        var parameters = columns.Select((_, n) =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@c" + n;
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        int inserted = 0;
        foreach (var row in rows)
        {
            for (int c = 0; c < columns.Length; c++) parameters[c].Value = row[c] ?? DBNull.Value;
            inserted += await command.ExecuteNonQueryAsync(ct);
        }
        return inserted;
    }
}
