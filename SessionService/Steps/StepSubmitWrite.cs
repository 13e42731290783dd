using Finqware.ServiceDefaults.Data;
using Finqware.SessionService.Nonces;
using Finqware.SessionService.Sessions;
using Npgsql;
using NpgsqlTypes;

namespace Finqware.SessionService.Steps;

/// <summary>
/// Writes an accepted step beside EF Core, in one round trip: the used nonce, the step, the session's new nonce and
/// status, and the step's <c>ProcessStep</c> outbox row go as one batch, which PostgreSQL runs as one implicit
/// transaction (all or nothing). Two submits racing on one nonce both insert it into <c>used_nonces</c>: the second
/// fails on that key (a <see cref="PostgresException"/> with <see cref="PostgresErrorCodes.UniqueViolation"/>) and
/// writes nothing. The caller hands the outbox row to the relay once this returns.
/// The columns are the EF model's (a test holds them to it); everything else reads and changes steps through EF.
/// </summary>
public sealed class StepSubmitWrite(NpgsqlDataSource dataSource)
{
    public static readonly string[] StepColumns = ["id", "session_id", "number", "name", "status", "data", "result", "action", "error_code", "error_message", "created_at", "updated_at"];

    public static readonly string[] UsedNonceColumns = ["identifier", "session_id", "used_at"];

    public static readonly string[] SessionColumns = ["status", "updated_at", "expires_at", "next_seq", "current_nonce_id"];

    private static readonly string UsedNonceSql = $"INSERT INTO used_nonces ({string.Join(", ", UsedNonceColumns)}) VALUES ($1, $2, $3)";

    private static readonly string StepSql = $"INSERT INTO steps ({string.Join(", ", StepColumns)}) VALUES ($1, $2, $3, $4, $5, $6::jsonb, NULL, NULL, NULL, NULL, $7, $8)";

    // The status only moves on from the one the submit read: a cancel or an expiry that lands meanwhile stays.
    private static readonly string SessionSql = "UPDATE sessions SET status = CASE WHEN status = $7 THEN $2 ELSE status END, "
        + string.Join(", ", SessionColumns.Skip(1).Select((c, i) => $"{c} = ${i + 3}")) + " WHERE id = $1";

    private static readonly string OutboxSql = $"INSERT INTO {OutboxModelExtensions.OutboxTable} ({string.Join(", ", OutboxModelExtensions.OutboxColumns)}) VALUES ($1, $2, $3::jsonb, $4, $5, $6)";

    /// <summary>Writes the accepted <paramref name="step"/>; <paramref name="readStatus"/> is the session's status as the submit read it.</summary>
    public async Task WriteAsync(Session session, string readStatus, Step step, UsedNonce used, OutboxMessage? command, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command(UsedNonceSql, used.Identifier, used.SessionId, used.UsedAt));
        batch.BatchCommands.Add(Command(StepSql, step.Id, step.SessionId, step.Number, step.Name, step.Status, step.Data.RootElement.GetRawText(), step.CreatedAt, step.UpdatedAt));
        batch.BatchCommands.Add(Command(SessionSql, session.Id, session.Status, session.UpdatedAt, session.ExpiresAt, session.NextSeq, session.CurrentNonceId, readStatus));
        if (command is not null)
        {
            batch.BatchCommands.Add(Command(OutboxSql, command.Id, command.MessageType, command.Body, Nullable(command.Destination), Nullable(command.TraceParent), command.CreatedAt));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value is DBNull ? new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlDbType.Text } : new NpgsqlParameter { Value = value });
        }

        return command;
    }

    private static object Nullable(string? value) => value is null ? DBNull.Value : value;
}
