using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Publisher.Data;

/// <summary>
/// Where a generated secret (the admin key, the token secret, the dashboard cookie key) lives when the settings give
/// none. SQLite: a file in the data folder, mode 600, as before (one machine). PostgreSQL: a row of the database's
/// "Secrets" table, made by whichever process starts first and read by all the others, so every host, on any
/// machine, has the same ones; a per-host file would differ between machines and sign links the others refuse.
/// </summary>
public sealed class SharedSecrets(IServiceScopeFactory scopes, IOptions<PublisherOptions> options)
{
    public bool InDatabase => options.Value.Database.Provider == DatabaseProvider.Postgres;

    /// <summary>Where <paramref name="name"/> is kept, for the log.</summary>
    public string WhereIs(string name) => InDatabase ? $"the database (table \"Secrets\", name '{name}')" : FilePath(name);

    public string FilePath(string name) => Path.Combine(options.Value.FullDataPath, name + ".key");

    public string LoadOrCreate(string name, out bool created)
    {
        if (!InDatabase) return KeyFile.LoadOrCreate(FilePath(name), out created);
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
        string candidate = KeyFile.NewKey();
        var now = DateTime.UtcNow;
        // The first process to get here writes it; everyone, that one included, then reads the one that is there.
        created = db.Database.ExecuteSql($"""
            INSERT INTO "Secrets" ("Name", "Value", "CreatedUtc") VALUES ({name}, {candidate}, {now}) ON CONFLICT ("Name") DO NOTHING
            """) == 1;
        string value = db.Database.SqlQuery<string>($"""SELECT "Value" AS "Value" FROM "Secrets" WHERE "Name" = {name}""").Single();
        if (value.Length < KeyFile.MinLength)
            throw new KeyFileException($"The secret '{name}' in the database's \"Secrets\" table holds {value.Length} characters, fewer than the {KeyFile.MinLength} a key needs; delete the row to have a new one generated.");
        return value;
    }
}

/// <summary>A generated secret kept in the database (PostgreSQL only; see <see cref="SharedSecrets"/>).</summary>
public sealed class StoredSecret
{
    public const int MaxNameLength = 50;
    public string Name { get; set; } = "";
    public string Value { get; set; } = "";
    public DateTime CreatedUtc { get; set; }
}
