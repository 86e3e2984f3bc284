using System.Data.Common;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Publisher.Data;

namespace Publisher.Digests;

/// <summary>
/// Writes the ledger's per-message marks (a row handed over, a row's outcome) of every sending worker of this process in
/// shared transactions: group commit. A worker queues its mark and waits for the commit that holds it, so nothing it does
/// next (writing the body, counting the message as sent) happens before its mark is in the database, exactly as with a
/// commit of its own. While one transaction commits, the marks that arrive queue up and go into the next one, so the
/// workers share commits (the WAL's pages and locks on SQLite) and one open connection. A transaction holds whole marks
/// or none: a crash loses at most marks nobody has acted on yet.
/// </summary>
public sealed class LedgerMarks(IServiceScopeFactory scopes, WriteGate gate, ILogger<LedgerMarks> logger) : IAsyncDisposable
{
    /// <summary>At most this many marks in one transaction.</summary>
    public const int MaxBatch = 64;

    public enum Kind { Submit, Finish }

    /// <summary>One conditional UPDATE of one claimed row; <see cref="Done"/> gets the rows it changed once it is committed.</summary>
    private sealed record Mark(Kind Kind, long Id, string Claim, DateTime Now, string? State = null, string? Reply = null, DateTime? SentUtc = null)
    {
        public TaskCompletionSource<int> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly Channel<Mark> _queue = Channel.CreateUnbounded<Mark>();
    private readonly Lock _starting = new();
    private Task? _writer;

    /// <summary>The row becomes Submitting (see <see cref="DeliveryLedger.SubmitAsync"/>); true once that is committed.</summary>
    public async Task<bool> SubmitAsync(long id, string claim, DateTime now) => await QueueAsync(new Mark(Kind.Submit, id, claim, now)) == 1;

    /// <summary>The row's outcome (see <see cref="DeliveryLedger.FinishAsync"/>); true once that is committed.</summary>
    public async Task<bool> FinishAsync(long id, string claim, DateTime now, string state, string reply, DateTime? sentUtc) =>
        await QueueAsync(new Mark(Kind.Finish, id, claim, now, state, reply, sentUtc)) == 1;

    private Task<int> QueueAsync(Mark mark)
    {
        lock (_starting)
        {
            // Under the lock: a disposal either sees the writer this mark started and waits for it, or refuses the mark.
            if (!_queue.Writer.TryWrite(mark)) throw new ObjectDisposedException(nameof(LedgerMarks), "the ledger's writer has stopped");
            _writer ??= Task.Run(WriteAllAsync);
        }
        return mark.Done.Task;
    }

    private async Task WriteAllAsync()
    {
        var batch = new List<Mark>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync())
            {
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var mark)) batch.Add(mark);
                await CommitAsync(batch);
                batch.Clear();
                if (!_queue.Reader.TryPeek(out _) && !await MoreSoonAsync()) await CloseAsync();
            }
        }
        catch (Exception ex)
        {
            // Never leave a worker waiting for a commit that will not come: it would hold its row and its connection forever.
            logger.LogError(ex, "The ledger's writer stopped");
            _queue.Writer.TryComplete(ex);
            foreach (var mark in batch) mark.Done.TrySetException(ex);
            while (_queue.Reader.TryRead(out var mark)) mark.Done.TrySetException(ex);
        }
        await CloseAsync();
    }

    /// <summary>Keeps the connection while marks keep coming; an idle process holds none.</summary>
    private async Task<bool> MoreSoonAsync()
    {
        using var idle = new CancellationTokenSource(KeepOpen);
        try { return await _queue.Reader.WaitToReadAsync(idle.Token); }
        catch (OperationCanceledException) { return false; }
    }

    private static readonly TimeSpan KeepOpen = TimeSpan.FromSeconds(2);

    private async Task CommitAsync(List<Mark> batch)
    {
        var changed = new int[batch.Count];
        try
        {
            var writer = await OpenAsync();
            await gate.RunAsync(writer.Db, async () =>
            {
                await using var tx = await writer.Connection.BeginTransactionAsync(CancellationToken.None);
                for (int i = 0; i < batch.Count; i++) changed[i] = await writer.WriteAsync(batch[i], tx);
                await tx.CommitAsync(CancellationToken.None);
                return 0;
            });
        }
        catch (Exception ex)
        {
            // Nothing of the batch is known to be in (a commit whose reply was lost may be): every mark fails, and each
            // worker takes the path it took when its own commit failed (a hand-over not recorded sends nothing; an outcome
            // is tried again, and finds itself already there). Not each mark again alone: a database that is gone would
            // hold every worker for a timeout per mark, and a mark that did commit would answer "not yours".
            await CloseAsync(); // the connection may be what failed (a database restart): the next transaction opens another
            foreach (var mark in batch) mark.Done.TrySetException(ex);
            return;
        }
        for (int i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(changed[i]);
    }

    private Writer? _open;

    private async Task<Writer> OpenAsync()
    {
        if (_open is not null) return _open;
        var scope = scopes.CreateAsyncScope();
        try
        {
            var db = scope.ServiceProvider.GetRequiredService<PublisherDbContext>();
            await db.Database.OpenConnectionAsync(CancellationToken.None);
            return _open = new Writer(scope, db);
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }
    }

    private async Task CloseAsync()
    {
        if (_open is null) return;
        var open = _open;
        _open = null;
        try { await open.DisposeAsync(); }
        catch (Exception ex) { logger.LogDebug(ex, "Closing the ledger writer's connection failed"); }
    }

    /// <summary>
    /// One open connection and the two UPDATEs as commands made once and reused: through EF each mark cost a command built
    /// from an interpolated string, a connection taken from the pool and its pragmas run again.
    /// </summary>
    private sealed class Writer(AsyncServiceScope scope, PublisherDbContext db) : IAsyncDisposable
    {
        public PublisherDbContext Db { get; } = db;
        public DbConnection Connection { get; } = db.Database.GetDbConnection();

        private readonly DbCommand _submit = Command(db, """
            UPDATE "Deliveries" SET "State" = 'Submitting', "Attempts" = "Attempts" + 1, "UpdatedUtc" = @now
            WHERE "Id" = @id AND "ClaimedBy" = @claim AND "State" = 'Sending'
            """, "now", "id", "claim");
        // SentUtc from a flag rather than a null parameter: a typed value every time. The second condition makes a mark
        // tried again (its first commit's reply was lost) find itself: the same outcome, reply and time, written by it.
        private readonly DbCommand _finish = Command(db, """
            UPDATE "Deliveries" SET "State" = @state, "LastReply" = @reply, "ClaimedBy" = NULL,
                "SentUtc" = CASE WHEN @sent THEN @now ELSE NULL END, "UpdatedUtc" = @now
            WHERE "Id" = @id AND (("ClaimedBy" = @claim AND "State" IN ('Submitting', 'Sending'))
                OR ("ClaimedBy" IS NULL AND "State" = @state AND "LastReply" = @reply AND "UpdatedUtc" = @now))
            """, "state", "reply", "sent", "now", "id", "claim");

        private static DbCommand Command(PublisherDbContext db, string sql, params string[] names)
        {
            var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            foreach (var name in names)
            {
                var p = command.CreateParameter();
                p.ParameterName = name;
                command.Parameters.Add(p);
            }
            return command;
        }

        public Task<int> WriteAsync(Mark mark, DbTransaction tx)
        {
            DbCommand command;
            if (mark.Kind == Kind.Submit)
            {
                command = _submit;
                command.Parameters[0].Value = mark.Now;
                command.Parameters[1].Value = mark.Id;
                command.Parameters[2].Value = mark.Claim;
            }
            else
            {
                command = _finish;
                command.Parameters[0].Value = mark.State;
                command.Parameters[1].Value = mark.Reply;
                command.Parameters[2].Value = mark.SentUtc is not null;
                command.Parameters[3].Value = mark.Now;
                command.Parameters[4].Value = mark.Id;
                command.Parameters[5].Value = mark.Claim;
            }
            command.Transaction = tx;
            return command.ExecuteNonQueryAsync(CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _submit.DisposeAsync();
                await _finish.DisposeAsync();
                await Db.Database.CloseConnectionAsync();
            }
            finally
            {
                await scope.DisposeAsync(); // a broken connection still goes back, and the context with it
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? writer;
        lock (_starting)
        {
            _queue.Writer.TryComplete();
            writer = _writer;
        }
        if (writer is not null) await writer;
    }
}
