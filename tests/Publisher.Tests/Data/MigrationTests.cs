using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Publisher.Data;
using Publisher.Digests;

namespace Publisher.Tests.Data;

/// <summary>Upgrades of a database an older version left behind, on a real SQLite file.</summary>
public sealed class MigrationTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"publisher-migration-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _path, _path + "-wal", _path + "-shm" }) if (File.Exists(f)) File.Delete(f);
    }

    [Fact]
    public async Task ARowAnOlderVersionLeftSendingMayHaveGoneOutSoItBecomesUnknownNotPending()
    {
        // Before DeliveryUnderFaults, 'Sending' covered the whole send, reply included: such a row may be at the server.
        await using (var old = Context())
        {
            await old.GetService<IMigrator>().MigrateAsync("20261128114839_DeliveriesByState");
            await old.Database.OpenConnectionAsync();
            await old.Database.ExecuteSqlRawAsync("PRAGMA foreign_keys = OFF");
            await old.Database.ExecuteSqlRawAsync("""
                INSERT INTO "Deliveries" ("Id", "Attempts", "ClaimedBy", "ClaimedUtc", "DigestId", "MembershipId", "MessageId", "State", "SubscriberId", "UpdatedUtc")
                VALUES (1, 1, 'host:42', '2026-11-30 10:00:00', 1, 1, 'a@x', 'Sending', 1, '2026-11-30 10:00:00'),
                       (2, 0, NULL, NULL, 1, 2, 'b@x', 'Pending', 2, '2026-11-30 10:00:00'),
                       (3, 1, NULL, NULL, 1, 3, 'c@x', 'Sent', 3, '2026-11-30 10:00:00')
                """);
        }
        SqliteConnection.ClearAllPools();
        await using var db = Context();
        await db.Database.MigrateAsync();
        var states = await db.Database.SqlQueryRaw<string>("""SELECT "State" AS "Value" FROM "Deliveries" ORDER BY "Id" """).ToListAsync();
        Assert.Equal([nameof(DeliveryState.Unknown), nameof(DeliveryState.Pending), nameof(DeliveryState.Sent)], states);
        var reply = await db.Database.SqlQueryRaw<string>("""SELECT "LastReply" AS "Value" FROM "Deliveries" WHERE "Id" = 1""").SingleAsync();
        Assert.Contains("older version", reply);
    }

    private PublisherDbContext Context() =>
        new(new DbContextOptionsBuilder<PublisherDbContext>().UseSqlite($"Data Source={_path}").Options);
}
