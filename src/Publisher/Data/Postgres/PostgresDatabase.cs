using System.Data;
using Npgsql;

namespace Publisher.Data.Postgres;

/// <summary>
/// The PostgreSQL database of ConnectionStrings:Publisher: one pooled data source for EF Core and this process's
/// other connections, and session-level advisory locks for what only one process may do at a time (migrate, watch the
/// articles folder). An advisory lock is held by a connection: it goes when the holder closes it or dies (the server
/// notices the dropped connection), so it passes to another process without anyone cleaning up.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    /// <summary>Advisory lock keys (one 64-bit number space per database; these are arbitrary but fixed).</summary>
    public const long MigrationLock = 0x5075_626C_0001, ArticlesFolderLock = 0x5075_626C_0002;

    public const string HangfireSchema = "hangfire";

    public NpgsqlDataSource DataSource { get; }
    public string ConnectionString { get; }

    private PostgresDatabase(string connectionString)
    {
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <summary>The data source for ConnectionStrings:Publisher; a malformed value stops the start naming the key.</summary>
    public static PostgresDatabase Create(IConfiguration configuration)
    {
        string? value = configuration.GetConnectionString("Publisher");
        if (string.IsNullOrWhiteSpace(value))
            throw new DatabaseUnreachableException($"{Database.ConnectionStringKey} is required when Publisher:Database:Provider is Postgres.");
        try
        {
            var parsed = new NpgsqlConnectionStringBuilder(value);
            if (string.IsNullOrEmpty(parsed.Host))
                throw new DatabaseUnreachableException($"{Database.ConnectionStringKey} names no Host.");
            return new PostgresDatabase(parsed.ConnectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException or InvalidCastException)
        {
            throw new DatabaseUnreachableException($"{Database.ConnectionStringKey} is not a valid PostgreSQL connection string: {ex.Message}");
        }
    }

    /// <summary>Host, port and database of the connection string, without its password: for messages.</summary>
    public string Describe()
    {
        var b = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"{b.Host}:{b.Port}/{b.Database ?? b.Username}";
    }

    /// <summary>Waits for the advisory lock <paramref name="key"/>; disposing the result releases it.</summary>
    public async Task<IAsyncDisposable> LockAsync(long key, CancellationToken ct)
    {
        var connection = await DataSource.OpenConnectionAsync(ct);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", key);
            command.CommandTimeout = 0; // another process may be migrating a large table
            await command.ExecuteNonQueryAsync(ct);
            return new Held(connection, key);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Takes the advisory lock <paramref name="key"/> if nobody holds it; the connection that holds it, or null. The
    /// lock lasts as long as that connection: <see cref="StillHeldAsync"/> tells whether it still does.
    /// </summary>
    public async Task<NpgsqlConnection?> TryLockAsync(long key, CancellationToken ct)
    {
        var connection = await DataSource.OpenConnectionAsync(ct);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", key);
            if (await command.ExecuteScalarAsync(ct) is true) return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    /// <summary>Whether the connection that took a lock is still open (a restarted server, a dropped connection end it).</summary>
    public static async Task<bool> StillHeldAsync(NpgsqlConnection connection, long key, CancellationToken ct)
    {
        if (connection.State != ConnectionState.Open) return false;
        try
        {
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objid = (@key & 4294967295)::oid AND classid = (@key >> 32)::oid",
                connection);
            command.Parameters.AddWithValue("key", key);
            return await command.ExecuteScalarAsync(ct) is long n && n > 0;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException)
        {
            return false;
        }
    }

    /// <summary>Creates or upgrades Hangfire's tables in their own schema (its installer takes its own lock too).</summary>
    public async Task InstallHangfireSchemaAsync(CancellationToken ct)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        Hangfire.PostgreSql.PostgreSqlObjectsInstaller.Install(connection, HangfireSchema);
    }

    private sealed class Held(NpgsqlConnection connection, long key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                command.Parameters.AddWithValue("key", key);
                await command.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException) { /* the connection is gone, and the lock with it */ }
            finally { await connection.DisposeAsync(); }
        }
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}

/// <summary>The database named by ConnectionStrings:Publisher cannot be used (malformed, unreachable, refused).</summary>
public sealed class DatabaseUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
