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

    public static readonly StorageFailure DiskFull = new(StatusCodes.Status507InsufficientStorage, "Storage is full",
        "The disk holding the data folder or database is full, so this request did not complete. Free some space and try again; trying again is safe.");

    public static readonly StorageFailure ReadOnly = new(StatusCodes.Status503ServiceUnavailable, "Storage is read-only",
        "The data folder or database is read-only, so this request did not complete. Make the data writable again and try again; trying again is safe.");

    public static readonly StorageFailure IoError = new(StatusCodes.Status503ServiceUnavailable, "Storage failed",
        "The database could not read or write its files (a disk error, a full quota, a disk made read-only, or a file it cannot open), so this " +
        "request did not complete. The server log has the error; fix the storage and try again; trying again is safe.");

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
                // SQLite reports a quota or a disk made read-only under an open file as an I/O error (os_unix.c maps only
                // ENOSPC to SQLITE_FULL), and a read-only folder without the -wal file as "unable to open".
                case SqliteException { SqliteErrorCode: SqliteIoError or SqliteCantOpen }:
                    return IoError;
                // PostgreSQL: 53100 disk_full, 25006 read_only_sql_transaction (a standby, default_transaction_read_only),
                // 58030 io_error.
                case DbException { SqlState: "53100" }:
                    return DiskFull;
                case DbException { SqlState: "25006" }:
                    return ReadOnly;
                case DbException { SqlState: "58030" }:
                    return IoError;
                // Hangfire's SQLite storage has its own SQLite wrapper: SQLite's own words for the codes.
                case Exception when message.Contains("database or disk is full", StringComparison.Ordinal):
                    return DiskFull;
                case Exception when message.Contains("attempt to write a readonly database", StringComparison.Ordinal):
                    return ReadOnly;
                case IOException io when IsErrno(io, linux: [28, 122], windows: [39, 112]): // ENOSPC, EDQUOT; ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL
                    return DiskFull;
                case IOException io when IsErrno(io, linux: [30], windows: [19]): // EROFS; ERROR_WRITE_PROTECT
                    return ReadOnly;
            }
        }
        return null;
    }

    /// <summary>.NET puts the OS error code in an IOException's HResult: errno on Linux, a Win32 code (in an HRESULT) on Windows.</summary>
    private static bool IsErrno(IOException io, int[] linux, int[] windows) =>
        OperatingSystem.IsWindows() ? windows.Contains(io.HResult & 0xFFFF) : linux.Contains(io.HResult);

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (Of(exception) is not { } failure || http.Response.HasStarted) return false;
        logger.LogError(exception, "{Method} {Path}: {Title}", http.Request.Method, http.Request.Path, failure.Title);
        http.Response.StatusCode = failure.Status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = { Status = failure.Status, Title = failure.Title, Detail = failure.Detail },
        });
    }
}
