using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;

namespace Finqware.SessionService.Sessions;

/// <summary>
/// Writes newly opened sessions beside EF Core rather than through it, with group commit: opening a session is the
/// API's busiest write, and EF's per-request set-up and change tracking were 40% of its CPU (docs/benchmarks.md).
/// <para>
/// Sessions opened at the same moment share one prepared <c>INSERT … SELECT FROM unnest(…)</c> and one commit. The
/// first caller to find no write in flight writes everything queued, its own row included; callers that arrive while
/// a write is in flight queue up and are written together by the next one. Alone, a caller writes its row at once on
/// its own thread (no hand-off, no wait); under load, one round trip and one WAL flush serve many opens. Every caller
/// returns only once its own row is committed. If the server refuses a shared write, its rows are written one by one,
/// so each caller gets its own row's outcome.
/// </para>
/// <see cref="Columns"/> are the EF model's columns of <c>sessions</c>; a test holds them to the model, and everything
/// else reads and changes sessions through EF.
/// </summary>
public sealed class SessionInsert(NpgsqlDataSource dataSource)
{
    public static readonly string[] Columns = ["id", "client_id", "skill", "status", "created_at", "updated_at", "expires_at", "next_seq", "current_nonce_id"];

    /// <summary>The most rows one write carries.</summary>
    public const int MaxBatch = 64;

    private static readonly string[] ColumnTypes = ["uuid", "text", "text", "text", "timestamptz", "timestamptz", "timestamptz", "integer", "text"];

    private static readonly string Sql =
        $"INSERT INTO sessions ({string.Join(", ", Columns)}) SELECT * FROM unnest({string.Join(", ", ColumnTypes.Select((type, i) => $"${i + 1}::{type}[]"))})";

    private readonly ConcurrentQueue<Pending> queue = new();

    // 1 while a caller is writing (it owns the queue's head); handed from caller to caller, never left set with rows queued.
    private int writing;

    public async Task InsertAsync(Session session, CancellationToken cancellationToken)
    {
        var mine = new Pending(session);
        queue.Enqueue(mine);
        if (Interlocked.CompareExchange(ref writing, 1, 0) != 0 && !await mine.Outcome.Task)
        {
            // A writer was busy and has handed the writing over to this caller; anything else means the row is written.
            return;
        }

        await WriteQueuedAsync(mine);
    }

    /// <summary>Writes queued rows, as the one writer, until <paramref name="mine"/> is written; then hands over.</summary>
    private async Task WriteQueuedAsync(Pending mine)
    {
        var batch = new List<Pending>(MaxBatch);
        Exception? myError = null;
        var mineWritten = false;
        while (!mineWritten)
        {
            while (batch.Count < MaxBatch && queue.TryDequeue(out var next))
            {
                batch.Add(next);
            }

            foreach (var (pending, error) in await WriteAsync(batch))
            {
                if (ReferenceEquals(pending, mine))
                {
                    mineWritten = true;
                    myError = error;
                }
                else if (error is null)
                {
                    pending.Outcome.TrySetResult(false);
                }
                else
                {
                    pending.Outcome.TrySetException(error);
                }
            }

            batch.Clear();
        }

        HandOver();
        if (myError is not null)
        {
            throw myError;
        }
    }

    /// <summary>Gives the writing to the caller at the head of the queue, or gives it up when nothing is queued.</summary>
    private void HandOver()
    {
        while (true)
        {
            if (queue.TryPeek(out var head))
            {
                // The head's caller is waiting on its outcome: true tells it to write (the queue is still its own).
                head.Outcome.TrySetResult(true);
                return;
            }

            Volatile.Write(ref writing, 0);
            // A caller may have queued after the peek and failed to take the writing: take it back for it.
            if (queue.IsEmpty || Interlocked.CompareExchange(ref writing, 1, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>Each row's outcome: null when committed.</summary>
    private async Task<List<(Pending Pending, Exception? Error)>> WriteAsync(List<Pending> batch)
    {
        try
        {
            await InsertRowsAsync(batch);
            return [.. batch.Select(p => (p, (Exception?)null))];
        }
        catch (PostgresException) when (batch.Count > 1)
        {
            // The server refused a row (a constraint): find which, so only its caller fails. Other errors (the
            // server unreachable, a broken connection) would fail each row alike, so they fail the batch at once.
            var outcomes = new List<(Pending, Exception?)>(batch.Count);
            foreach (var pending in batch)
            {
                try
                {
                    await InsertRowsAsync([pending]);
                    outcomes.Add((pending, null));
                }
                catch (Exception ex)
                {
                    outcomes.Add((pending, ex));
                }
            }

            return outcomes;
        }
        catch (Exception ex)
        {
            return [.. batch.Select(p => (p, (Exception?)ex))];
        }
    }

    private async Task InsertRowsAsync(List<Pending> rows)
    {
        // Not cancelled with the request: rows queued by other callers ride on this write.
        await using var command = dataSource.CreateCommand(Sql);
        Add(command, NpgsqlDbType.Uuid, rows.Select(p => p.Session.Id));
        Add(command, NpgsqlDbType.Text, rows.Select(p => p.Session.ClientId));
        Add(command, NpgsqlDbType.Text, rows.Select(p => p.Session.Skill));
        Add(command, NpgsqlDbType.Text, rows.Select(p => p.Session.Status));
        Add(command, NpgsqlDbType.TimestampTz, rows.Select(p => p.Session.CreatedAt));
        Add(command, NpgsqlDbType.TimestampTz, rows.Select(p => p.Session.UpdatedAt));
        Add(command, NpgsqlDbType.TimestampTz, rows.Select(p => p.Session.ExpiresAt));
        Add(command, NpgsqlDbType.Integer, rows.Select(p => p.Session.NextSeq));
        Add(command, NpgsqlDbType.Text, rows.Select(p => p.Session.CurrentNonceId));
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private static void Add<T>(NpgsqlCommand command, NpgsqlDbType type, IEnumerable<T> values) =>
        command.Parameters.Add(new NpgsqlParameter<T[]> { NpgsqlDbType = NpgsqlDbType.Array | type, TypedValue = [.. values] });

    /// <summary>A queued row; its outcome is false once written by another caller, true when this caller must write.</summary>
    private sealed class Pending(Session session)
    {
        public Session Session { get; } = session;

        public TaskCompletionSource<bool> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
