using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Publisher.Data.Postgres;

namespace Publisher.Data;

public static class DataExtensions
{
    public static WebApplicationBuilder AddData(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WriteGate>();
        builder.Services.AddSingleton<SharedSecrets>();
        // Each provider has its own context type (its own migrations). Which one a PublisherDbContext is, is decided
        // when one is asked for, from the settings as the host ended up with them (a test host adds its own late).
        builder.Services.AddSingleton(services => PostgresDatabase.Create(services.GetRequiredService<IConfiguration>()));
        builder.Services.AddDbContext<PostgresDbContext>((services, db) => db.UseNpgsql(services.GetRequiredService<PostgresDatabase>().DataSource));
        builder.Services.AddDbContext<PublisherDbContext>((services, db) =>
        {
            var options = services.GetRequiredService<IOptions<PublisherOptions>>().Value;
            var configured = services.GetRequiredService<IConfiguration>().GetConnectionString("Publisher");
            db.UseSqlite(configured ?? DefaultSqlite(options)).AddInterceptors(new SqlitePragmas(options.Database.Synchronous));
        });
        builder.Services.Replace(ServiceDescriptor.Scoped<PublisherDbContext>(services =>
            services.GetRequiredService<IOptions<PublisherOptions>>().Value.Database.Provider == DatabaseProvider.Postgres
                ? services.GetRequiredService<PostgresDbContext>()
                : new PublisherDbContext(services.GetRequiredService<DbContextOptions<PublisherDbContext>>())));
        return builder;
    }

    private static string DefaultSqlite(PublisherOptions options) =>
        new SqliteConnectionStringBuilder { DataSource = Path.Combine(options.FullDataPath, "publisher.db"), DefaultTimeout = 30 }.ToString();

    /// <summary>
    /// Creates the data folder and brings the schema up to date; safe to run from several processes. On PostgreSQL one
    /// process at a time migrates (an advisory lock), and Hangfire's schema is brought up to date under the same lock.
    /// </summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        var options = services.GetRequiredService<IOptions<PublisherOptions>>().Value;
        Directory.CreateDirectory(options.FullDataPath);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        if (db.Database.IsNpgsql())
        {
            var postgres = services.GetRequiredService<PostgresDatabase>();
            await using var lease = await postgres.LockAsync(PostgresDatabase.MigrationLock, ct);
            await db.EnsureHistoryTableAsync(ct);
            await db.Database.MigrateAsync(ct);
            await postgres.InstallHangfireSchemaAsync(ct);
            return;
        }
        if (db.Database.IsSqlite())
        {
            var source = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            if (!string.IsNullOrEmpty(source) && source != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(source)) is { } dir)
                Directory.CreateDirectory(dir);
        }
        await db.Database.MigrateAsync(ct);
        // WAL lets the service read while a CLI verb writes; it is a property of the file, so once is enough.
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }
}

public static class MigrationHistory
{
    /// <summary>
    /// Creates EF Core's migrations table if it is missing. On a new PostgreSQL database EF otherwise asks the missing
    /// table first and logs the refusal as a failed command, which reads like an error on a normal first start.
    /// </summary>
    public static async Task EnsureHistoryTableAsync(this PublisherDbContext db, CancellationToken ct)
    {
        if (db.Database.IsNpgsql())
            await db.GetService<Microsoft.EntityFrameworkCore.Migrations.IHistoryRepository>().CreateIfNotExistsAsync(ct);
    }
}

/// <summary>Which database the settings ask for.</summary>
public static class Database
{
    public const string ConnectionStringKey = "ConnectionStrings:Publisher";

    /// <summary>The provider the settings name; SQLite when unset or unreadable (validation reports a bad value).</summary>
    public static DatabaseProvider ConfiguredProvider(IConfiguration configuration) =>
        Enum.TryParse<DatabaseProvider>(configuration[$"{PublisherOptions.Section}:Database:Provider"], ignoreCase: true, out var p) ? p : DatabaseProvider.Sqlite;

    public static bool IsPostgres(this PublisherDbContext db) => db.Database.IsNpgsql();
}
