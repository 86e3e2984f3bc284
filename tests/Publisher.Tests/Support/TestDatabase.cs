using Microsoft.EntityFrameworkCore;
using Npgsql;
using Publisher.Data.Postgres;

namespace Publisher.Tests.Support;

/// <summary>
/// Which database the tests' hosts use. Unset, SQLite (a file per <see cref="TempSite"/>). With PUBLISHER_TEST_POSTGRES
/// set to a server's connection string (test.sh starts a private cluster and sets it), every <see cref="TempSite"/>
/// gets its own new database on that server, copied from a template that is migrated once per test run. A server that
/// cannot be reached then fails the tests: they never pass on SQLite while saying PostgreSQL.
/// </summary>
public static class TestDatabase
{
    public const string Variable = "PUBLISHER_TEST_POSTGRES";

    /// <summary>The server's connection string, or null for SQLite.</summary>
    public static string? Server => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } s ? s : null;

    public static bool IsPostgres => Server is not null;

    private static readonly string Template = $"publisher_template_{Environment.ProcessId}_{Guid.NewGuid():N}"[..40];
    private static readonly Lock Gate = new();
    private static bool _templateReady;

    /// <summary>A new database (from the migrated template); its connection string.</summary>
    public static string Create(string? server = null)
    {
        server ??= Server ?? throw new InvalidOperationException($"{Variable} is not set");
        string name = "t_" + Guid.NewGuid().ToString("N");
        lock (Gate)
        {
            if (!_templateReady || server != Server)
            {
                CreateTemplate(server);
                if (server == Server) _templateReady = true;
            }
            Execute(server, $"CREATE DATABASE \"{name}\" TEMPLATE \"{Template}\"");
        }
        return For(server, name);
    }

    /// <summary>The connection string of database <paramref name="name"/> on <paramref name="server"/>.</summary>
    public static string For(string server, string name) => new NpgsqlConnectionStringBuilder(server)
    {
        Database = name,
        // Many short-lived databases: keep few idle connections per host, and not for long.
        MaxPoolSize = 30, ConnectionIdleLifetime = 5, ConnectionPruningInterval = 1,
    }.ConnectionString;

    public static void Drop(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        string name = b.Database!;
        b.Database = "postgres";
        try { Execute(b.ConnectionString, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"); }
        catch (NpgsqlException) { /* the server is gone (a test stopped it); its folder goes with it */ }
    }

    private static void CreateTemplate(string server)
    {
        Execute(server, $"DROP DATABASE IF EXISTS \"{Template}\" WITH (FORCE)");
        Execute(server, $"CREATE DATABASE \"{Template}\"");
        var cs = new NpgsqlConnectionStringBuilder(server) { Database = Template, Pooling = false }.ConnectionString;
        using (var db = new PostgresDbContext(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql(cs).Options))
            db.Database.Migrate();
        using (var connection = new NpgsqlConnection(cs))
        {
            connection.Open();
            Hangfire.PostgreSql.PostgreSqlObjectsInstaller.Install(connection, PostgresDatabase.HangfireSchema);
        }
    }

    private static void Execute(string server, string sql)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
