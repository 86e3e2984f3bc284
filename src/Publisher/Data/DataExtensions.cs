using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Publisher.Data;

public static class DataExtensions
{
    public static WebApplicationBuilder AddData(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WriteGate>();
        builder.Services.AddDbContext<PublisherDbContext>((services, db) =>
        {
            var options = services.GetRequiredService<IOptions<PublisherOptions>>().Value;
            var configured = builder.Configuration.GetConnectionString("Publisher");
            switch (options.Database.Provider)
            {
                case DatabaseProvider.Sqlite:
                    db.UseSqlite(configured ?? DefaultSqlite(options)).AddInterceptors(new SqlitePragmas(options.Database.Synchronous));
                    break;
                default:
                    throw new OptionsValidationException(PublisherOptions.Section, typeof(PublisherOptions),
                        [$"Publisher:Database:Provider '{options.Database.Provider}' is not supported by this build yet; use Sqlite."]);
            }
        });
        return builder;
    }

    private static string DefaultSqlite(PublisherOptions options) =>
        new SqliteConnectionStringBuilder { DataSource = Path.Combine(options.FullDataPath, "publisher.db"), DefaultTimeout = 30 }.ToString();

    /// <summary>Creates the data folder and brings the schema up to date; safe to run from several processes.</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        var options = services.GetRequiredService<IOptions<PublisherOptions>>().Value;
        Directory.CreateDirectory(options.FullDataPath);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
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
