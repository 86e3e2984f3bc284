using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Publisher.Data.Postgres;

/// <summary>
/// The PostgreSQL flavour of <see cref="PublisherDbContext"/>: the same model, its own migrations (Data/Migrations/Postgres,
/// tagged with this type), the way EF Core's docs describe one migrations set per provider. Every time is UTC, as in
/// the SQLite file: stored as <c>timestamp with time zone</c> and read back as UTC, whatever kind the value carried in code
/// (SQLite keeps times as text and never looked at it).
/// </summary>
public sealed class PostgresDbContext(DbContextOptions<PostgresDbContext> options) : PublisherDbContext(options)
{
    /// <summary>Generated secrets every host shares (<see cref="SharedSecrets"/>); on SQLite they are files.</summary>
    public DbSet<StoredSecret> Secrets => Set<StoredSecret>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        base.OnModelCreating(model);
        model.Entity<StoredSecret>(s =>
        {
            s.ToTable("Secrets");
            s.HasKey(x => x.Name);
            s.Property(x => x.Name).HasMaxLength(StoredSecret.MaxNameLength);
            s.Property(x => x.Value).HasMaxLength(200);
        });
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration)
    {
        base.ConfigureConventions(configuration);
        configuration.Properties<DateTime>().HaveConversion<UtcDateTime>();
        configuration.Properties<DateTime?>().HaveConversion<UtcDateTime>();
    }

    private sealed class UtcDateTime() : ValueConverter<DateTime, DateTime>(
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc), v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

/// <summary>
/// For <c>dotnet ef</c> only: adding a PostgreSQL migration needs no server. See Data/README.md for the command.
/// </summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresDbContext>
{
    public PostgresDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql("Host=localhost;Database=publisher").Options);
}
