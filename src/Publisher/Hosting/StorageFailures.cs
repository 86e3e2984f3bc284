using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Publisher.Hosting;

/// <summary>Why storage refused a write, in words an admin can act on.</summary>
public sealed record StorageFailure(int Status, string Title, string Detail);

/// <summary>
/// Recognises a full disk and a read-only data store, whichever layer noticed (SQLite, PostgreSQL, a file write),
/// and turns them into one problem+json answer that names the cause instead of a bare 500. Everything else still
/// goes to the default handler.
/// </summary>
public sealed class StorageFailures(IProblemDetailsService problems, ILogger<StorageFailures> logger) : IExceptionHandler
{
    private const int SqliteFull = 13, SqliteReadOnly = 8, SqliteIoError = 10, SqliteCantOpen = 14;
    private const int Enospc = 28, Edquot = 122, Erofs = 30;

    public static readonly StorageFailure DiskFull = new(StatusCodes.Status507InsufficientStorage, "Storage is full",
        "The disk (or quota) holding the data folder or database is full, so nothing from this request was stored. Free some space and try again.");

    public static readonly StorageFailure ReadOnly = new(StatusCodes.Status503ServiceUnavailable, "Storage is read-only",
        "The data folder or database is read-only, so nothing from this request was stored. Reading still works; make the data writable again and retry.");

    /// <summary>The storage failure behind <paramref name="exception"/> (anywhere in its chain), or null.</summary>
    public static StorageFailure? Of(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            string message = e.Message;
            switch (e)
            {
                case SqliteException { SqliteErrorCode: SqliteFull }:
                    return DiskFull;
                case SqliteException { SqliteErrorCode: SqliteReadOnly }:
                    return ReadOnly;
                case SqliteException { SqliteErrorCode: SqliteIoError or SqliteCantOpen } io when io.Message.Contains("readonly", StringComparison.OrdinalIgnoreCase):
                    return ReadOnly;
                // PostgreSQL: 53100 disk_full, 53200 out_of_memory is not ours; 25006 read_only_sql_transaction (a standby or default_transaction_read_only).
                case DbException { SqlState: "53100" }:
                    return DiskFull;
                case DbException { SqlState: "25006" }:
                    return ReadOnly;
                // Hangfire's SQLite storage has its own SQLite wrapper: SQLite's own words for the two codes.
                case Exception when message.Contains("database or disk is full", StringComparison.Ordinal):
                    return DiskFull;
                case Exception when message.Contains("attempt to write a readonly database", StringComparison.Ordinal):
                    return ReadOnly;
                case IOException io when (io.HResult & 0xFFFF) is Enospc or Edquot || io.Message.Contains("No space left", StringComparison.Ordinal):
                    return DiskFull;
                case IOException io when (io.HResult & 0xFFFF) is Erofs || io.Message.Contains("Read-only file system", StringComparison.Ordinal):
                    return ReadOnly;
            }
        }
        return null;
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (Of(exception) is not { } failure || http.Response.HasStarted) return false;
        logger.LogError("{Method} {Path}: {Title}: {Message}", http.Request.Method, http.Request.Path, failure.Title, exception.GetBaseException().Message);
        http.Response.StatusCode = failure.Status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = { Status = failure.Status, Title = failure.Title, Detail = failure.Detail },
        });
    }
}
