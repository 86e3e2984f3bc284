using Microsoft.EntityFrameworkCore;

namespace Publisher.Data;

/// <summary>Database errors that mean something to the caller, whichever provider raised them.</summary>
public static class DbErrors
{
    /// <summary>A UNIQUE or PRIMARY KEY constraint refused the row: someone else wrote the same key first.</summary>
    public static bool IsUniqueViolation(DbUpdateException ex) => IsUniqueViolation(ex.InnerException);

    public static bool IsUniqueViolation(Exception? ex) => ex switch
    {
        Microsoft.Data.Sqlite.SqliteException { SqliteExtendedErrorCode: 2067 or 1555 } => true, // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
        Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation } => true, // 23505
        _ => false,
    };
}
