using Finqware.ServiceDefaults.Data;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Webhooks;
using Npgsql;
using NpgsqlTypes;

namespace Finqware.SessionService.Steps;

/// <summary>
/// Writes an applied outcome (the step, its session, the webhook events it causes and the inbox row of the message)
/// in one statement, so in one round trip that commits as it returns, with no lock held across the consumer's work.
/// <para>
/// The statement guards itself: it writes only if the session and the step are still as they were read (status and
/// <c>updated_at</c>, locked for the statement), and returns false otherwise, when the caller reads again and
/// re-applies. The inbox row is part of it, so a message applied before fails on the inbox key (a
/// <see cref="PostgresException"/> with <see cref="PostgresErrorCodes.UniqueViolation"/>) and nothing is written.
/// </para>
/// The columns are the EF model's (a test holds them to it); everything else reads and changes steps through EF.
/// </summary>
public sealed class StepOutcomeWrite(NpgsqlDataSource dataSource)
{
    public static readonly string[] StepColumns = ["status", "result", "action", "error_code", "error_message", "updated_at"];

    public static readonly string[] WebhookColumns = ["id", "client_id", "session_id", "event_type", "payload", "url", "status", "attempts", "next_attempt_at", "last_status_code", "last_error", "created_at", "delivered_at", "attempts_before_redelivery"];

    private static readonly string[] WebhookTypes = ["uuid", "text", "uuid", "text", "text", "text", "text", "integer", "timestamptz", "integer", "text", "timestamptz", "timestamptz", "integer"];

    private static readonly string Sql = $"""
        WITH seen AS (
            SELECT s.id FROM sessions s JOIN steps t ON t.session_id = s.id
            WHERE s.id = $1 AND s.status = $2 AND s.updated_at = $3 AND t.id = $4 AND t.status = $5 AND t.updated_at = $6
            FOR UPDATE),
        session_row AS (
            UPDATE sessions SET status = $7, updated_at = $8 WHERE id = $1 AND EXISTS (SELECT 1 FROM seen)),
        step_row AS (
            UPDATE steps SET status = $9, result = $10::jsonb, action = $11::jsonb, error_code = $12, error_message = $13, updated_at = $8
            WHERE id = $4 AND EXISTS (SELECT 1 FROM seen)),
        inbox AS (
            INSERT INTO {OutboxModelExtensions.InboxTable} (message_id, consumer, processed_at) SELECT $14, $15, $8 FROM seen WHERE $14 IS NOT NULL),
        webhooks AS (
            INSERT INTO webhook_deliveries ({string.Join(", ", WebhookColumns)})
            SELECT * FROM unnest({string.Join(", ", WebhookTypes.Select((type, i) => $"${i + 16}::{type}[]"))}) WHERE EXISTS (SELECT 1 FROM seen))
        SELECT count(*) FROM seen
        """;

    /// <summary>What the session and the step were when read, before the outcome was applied to them.</summary>
    public readonly record struct Seen(string SessionStatus, DateTimeOffset SessionUpdatedAt, string StepStatus, DateTimeOffset StepUpdatedAt)
    {
        public static Seen Of(Session session, Step step) => new(session.Status, session.UpdatedAt, step.Status, step.UpdatedAt);
    }

    /// <summary>
    /// Writes <paramref name="session"/> and <paramref name="step"/> as they are now, with <paramref name="webhooks"/>
    /// and the inbox row of <paramref name="messageId"/>, if both are still as <paramref name="seen"/>; false if not.
    /// </summary>
    public async Task<bool> TryWriteAsync(Session session, Step step, Seen seen, IReadOnlyList<WebhookDelivery> webhooks, Guid? messageId, string consumer, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<Guid> { TypedValue = session.Id });
        p.Add(new NpgsqlParameter<string> { TypedValue = seen.SessionStatus });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = seen.SessionUpdatedAt });
        p.Add(new NpgsqlParameter<Guid> { TypedValue = step.Id });
        p.Add(new NpgsqlParameter<string> { TypedValue = seen.StepStatus });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = seen.StepUpdatedAt });
        p.Add(new NpgsqlParameter<string> { TypedValue = session.Status });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = step.UpdatedAt });
        p.Add(new NpgsqlParameter<string> { TypedValue = step.Status });
        p.Add(Text(step.Result?.RootElement.GetRawText()));
        p.Add(Text(step.Action?.RootElement.GetRawText()));
        p.Add(Text(step.ErrorCode));
        p.Add(Text(step.ErrorMessage));
        p.Add(new NpgsqlParameter { Value = messageId is { } id ? id : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        p.Add(new NpgsqlParameter<string> { TypedValue = consumer });
        p.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. webhooks.Select(w => w.Id)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. webhooks.Select(w => w.ClientId)] });
        p.Add(new NpgsqlParameter<Guid?[]> { TypedValue = [.. webhooks.Select(w => w.SessionId)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. webhooks.Select(w => w.EventType)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. webhooks.Select(w => w.Payload)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. webhooks.Select(w => w.Url)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. webhooks.Select(w => w.Status)] });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = [.. webhooks.Select(w => w.Attempts)] });
        p.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. webhooks.Select(w => w.NextAttemptAt)] });
        p.Add(new NpgsqlParameter<int?[]> { TypedValue = [.. webhooks.Select(w => w.LastStatusCode)] });
        p.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. webhooks.Select(w => w.LastError)] });
        p.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. webhooks.Select(w => w.CreatedAt)] });
        p.Add(new NpgsqlParameter<DateTimeOffset?[]> { TypedValue = [.. webhooks.Select(w => w.DeliveredAt)] });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = [.. webhooks.Select(w => w.AttemptsBeforeRedelivery)] });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = value is null ? DBNull.Value : value, NpgsqlDbType = NpgsqlDbType.Text };
}
