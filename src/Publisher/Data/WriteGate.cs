using Microsoft.EntityFrameworkCore;

namespace Publisher.Data;

/// <summary>
/// Lines up this process's frequent small writes (the ledger's marks, the process registration) before they reach
/// SQLite, which takes one writer at a time. Without it, writers that find the database locked sleep in SQLite's busy
/// handler (1, 2, 5 … 100 ms) instead of going the moment the lock is free: four senders then wrote at a fraction of
/// the speed of one. PostgreSQL locks rows, not the database, and needs no gate.
/// </summary>
public sealed class WriteGate
{
    private readonly SemaphoreSlim _one = new(1, 1);

    public async Task<T> RunAsync<T>(PublisherDbContext db, Func<Task<T>> write)
    {
        if (!db.Database.IsSqlite()) return await write();
        await _one.WaitAsync();
        try { return await write(); }
        finally { _one.Release(); }
    }
}
