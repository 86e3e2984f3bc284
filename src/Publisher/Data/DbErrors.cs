using Microsoft.EntityFrameworkCore;

namespace Publisher.Data;

/// <summary>Database errors that mean something to the caller, whichever provider raised them.</summary>
public static class DbErrors
{
    /// <summary>A UNIQUE or PRIMARY KEY constraint refused the row: someone else wrote the same key first.</summary>
    public static bool IsUniqueViolation(DbUpdateException ex) =>
        ex.InnerException is Microsoft.Data.Sqlite.SqliteException { SqliteExtendedErrorCode: 2067 or 1555 }; // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
}
