using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Publisher.Data;

/// <summary>
/// Per-connection SQLite settings. In WAL mode, <c>synchronous=NORMAL</c> syncs at checkpoints instead of at every
/// commit: a killed process loses nothing (the WAL is in the OS's cache), only a power cut can lose the commits since
/// the last checkpoint, and the file stays consistent. FULL syncs every commit (Publisher:Database:Synchronous).
/// </summary>
public sealed class SqlitePragmas(SqliteSynchronous synchronous) : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = synchronous == SqliteSynchronous.Full
            ? "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;"
            : "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
        command.ExecuteNonQuery();
    }
}
