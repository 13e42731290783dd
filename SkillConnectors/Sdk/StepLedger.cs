using System.Text.Json;
using Finqware.Contracts.Sessions;
using Finqware.ServiceDefaults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>
/// The connector's memory of the steps it has run, in its own PostgreSQL database (<c>ConnectionStrings:connectordb</c>),
/// so a redelivered step never runs its handler twice, whichever instance gets the copy, and a step whose outcome comes
/// later (a follow-up) survives a crash of the instance that holds it.
/// <para>
/// A step is run inside a transaction that first inserts its id: a concurrent copy blocks on that row until the first
/// finishes, then finds the stored outcome and publishes it again instead of running the handler (SessionService
/// applies outcomes idempotently by step id). A process that dies mid-step rolls its row back, so the copy the broker
/// redelivers runs the step again: nothing is lost. Data events are published before the row commits, and so is a
/// finished step's outcome (COMPLETED, FAILED: SessionService applies it while the row is stored). The outcome of a
/// step that waits for the outside (ACTION_REQUIRED, PENDING_VERIFICATION) is published after the commit, because
/// whoever acts on it (the user on the bank's page, a verification's callback) updates this row and must find it; a
/// process that dies between the commit and that publish leaves the command unacknowledged, and its redelivery
/// publishes the stored outcome. Either way every outcome goes out at least once. Once the handler has run, it must not
/// run again for a redelivered copy: a publish the broker refuses (a broker restart, a dropped connection) is tried
/// again while the claim is held, and an outcome the database could not store (the claim lost with its connection) is
/// stored from a new connection once the database answers, rather than rolled back; meanwhile a copy of the step that
/// reaches this instance (the outbox relay publishes a command again when its row's delete was lost) waits for it
/// (<see cref="InHand"/>).
/// </para>
/// </summary>
public sealed partial class StepLedger(NpgsqlDataSource dataSource, IOptions<ConnectorOptions>? options = null, ILogger<StepLedger>? logger = null)
{
    public const string ConnectionName = "connectordb";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly InHand inHand = new();

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS processed_steps (
                step_id uuid PRIMARY KEY,
                skill text NOT NULL,
                step text NOT NULL,
                outcome jsonb NOT NULL,
                processed_at timestamptz NOT NULL DEFAULT now());
            ALTER TABLE processed_steps ADD COLUMN IF NOT EXISTS command jsonb;
            ALTER TABLE processed_steps ADD COLUMN IF NOT EXISTS follow_up_at timestamptz;
            ALTER TABLE processed_steps ADD COLUMN IF NOT EXISTS follow_up_state jsonb;
            CREATE INDEX IF NOT EXISTS processed_steps_follow_up_at ON processed_steps (follow_up_at) WHERE follow_up_at IS NOT NULL;
            CREATE TABLE IF NOT EXISTS connection_requests (
                request_id uuid PRIMARY KEY,
                kind text NOT NULL,
                answer_type text,
                answer jsonb,
                received_at timestamptz NOT NULL DEFAULT now());
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="handle"/> unless the step already ran; returns the outcome (stored or new) and whether
    /// the handler ran. <paramref name="publish"/> gets an outcome to publish (null for none) and whether to publish the
    /// run's data events with it: for a step run now, the events and a finished outcome before the row commits, an
    /// outcome that waits for the outside after; for a step that ran before, its stored outcome.
    /// </summary>
    public async Task<(StepProcessed Outcome, bool Ran)> RunOnceAsync(
        ProcessStep command,
        Func<Task<LedgerEntry>> handle,
        Func<StepProcessed?, bool, Task> publish,
        CancellationToken cancellationToken)
    {
        using var lease = await inHand.EnterAsync(command.StepId, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var claim = new NpgsqlCommand(
            "INSERT INTO processed_steps (step_id, skill, step, outcome, command) VALUES (@id, @skill, @step, 'null', @command::jsonb) ON CONFLICT (step_id) DO NOTHING",
            connection, transaction))
        {
            claim.Parameters.AddWithValue("id", command.StepId);
            claim.Parameters.AddWithValue("skill", command.Skill);
            claim.Parameters.AddWithValue("step", command.Step);
            claim.Parameters.AddWithValue("command", JsonSerializer.Serialize(command, Json));
            if (await claim.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                var stored = await ReadAsync(connection, transaction, command.StepId, forUpdate: false, cancellationToken);
                await publish(stored!.Outcome, false);
                await transaction.CommitAsync(cancellationToken);
                return (stored.Outcome, false);
            }
        }

        var entry = await handle();
        var finished = entry.Outcome.Outcome is StepOutcomes.Completed or StepOutcomes.Failed;
        await PublishHoldingClaimAsync(() => publish(finished ? entry.Outcome : null, true), command, cancellationToken);
        if (!await TrySaveAsync(connection, transaction, command, entry, cancellationToken))
        {
            await StoreAgainAsync(command, entry, cancellationToken);
        }

        if (!finished)
        {
            await publish(entry.Outcome, false);
        }

        return (entry.Outcome, true);
    }

    /// <summary>
    /// Publishes what a handler's run produced while this transaction holds the step's claim. The handler ran, so what it
    /// did (a payment, say) is done: a publish the broker does not take (a broker restart, a dropped connection) is tried
    /// again, with backoff, for <see cref="ConnectorOptions.OutcomeRetryFor"/>, rather than rolled back, which would let
    /// the broker's redelivery run the handler a second time. A copy redelivered meanwhile waits on the claim, then
    /// publishes the stored outcome. Past that time, or on shutdown, the step is given up: the claim rolls back.
    /// </summary>
    private Task PublishHoldingClaimAsync(Func<Task> publish, ProcessStep command, CancellationToken cancellationToken) =>
        RetryAfterRunAsync(
            publish,
            (attempt, delay, reason) => LogPublishRetry(logger!, command.Skill, command.Step, command.StepId, attempt, delay, reason),
            cancellationToken);

    private Task RetryAfterRunAsync(Func<Task> operation, Action<int, TimeSpan, string> log, CancellationToken cancellationToken) =>
        AfterRun.RetryAsync(operation, options?.Value.OutcomeRetryFor ?? new ConnectorOptions().OutcomeRetryFor, logger is null ? null : log, cancellationToken);

    /// <summary>Stores the run's outcome and commits the claim; false when the database went away meanwhile.</summary>
    private static async Task<bool> TrySaveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ProcessStep command, LedgerEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await SaveAsync(connection, transaction, command.StepId, entry, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (TransientFailure.Is(ex) && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// The handler ran but its row could not be stored: the database went away, and the claim with its connection. The
    /// outcome is stored from a new connection once the database answers again (tried for
    /// <see cref="ConnectorOptions.OutcomeRetryFor"/>), rather than the step given up, which would let the redelivered
    /// command run the handler a second time. A row found there already (the commit did land) is kept.
    /// </summary>
    private async Task StoreAgainAsync(ProcessStep command, LedgerEntry entry, CancellationToken cancellationToken)
    {
        await RetryAfterRunAsync(
            async () =>
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                await using var store = new NpgsqlCommand(
                    """
                    INSERT INTO processed_steps (step_id, skill, step, outcome, command, follow_up_at, follow_up_state)
                    VALUES (@id, @skill, @step, @outcome::jsonb, @command::jsonb, @at, @state::jsonb) ON CONFLICT (step_id) DO NOTHING
                    """, connection);
                store.Parameters.AddWithValue("id", command.StepId);
                store.Parameters.AddWithValue("skill", command.Skill);
                store.Parameters.AddWithValue("step", command.Step);
                store.Parameters.AddWithValue("outcome", JsonSerializer.Serialize(entry.Outcome, Json));
                store.Parameters.AddWithValue("command", JsonSerializer.Serialize(command, Json));
                store.Parameters.AddWithValue("at", entry.FollowUpAt is { } at ? at : DBNull.Value);
                store.Parameters.AddWithValue("state", entry.FollowUpState is { } state ? state.GetRawText() : DBNull.Value);
                await store.ExecuteNonQueryAsync(cancellationToken);
            },
            (attempt, delay, reason) => LogStoreRetry(logger!, command.Skill, command.Step, command.StepId, attempt, delay, reason),
            cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {Skill}/{Step} {StepId} ran, but storing its outcome failed (attempt {Attempt}): trying again in {Delay} from a new connection. {Reason}")]
    private static partial void LogStoreRetry(ILogger logger, string skill, string step, Guid stepId, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {Skill}/{Step} {StepId} ran, but publishing its outcome failed (attempt {Attempt}): trying again in {Delay} while holding its claim. {Reason}")]
    private static partial void LogPublishRetry(ILogger logger, string skill, string step, Guid stepId, int attempt, TimeSpan delay, string reason);

    /// <summary>
    /// Takes one step whose follow-up is due (skipping those another instance holds), lets <paramref name="run"/> decide
    /// (and publish) what comes next, and stores it. Returns false when no follow-up is due. A crash rolls the row back:
    /// the follow-up stays due and another instance (or this one after a restart) runs it. A follow-up that throws is
    /// postponed by <paramref name="retryAfter"/> and the exception rethrown.
    /// </summary>
    public async Task<bool> RunDueFollowUpAsync(
        DateTimeOffset now, TimeSpan retryAfter, Func<StoredStep, Task<LedgerEntry>> run, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        StoredStep? due;
        await using (var select = new NpgsqlCommand(
            """
            SELECT step_id, command::text, outcome::text, follow_up_state::text FROM processed_steps
            WHERE follow_up_at <= @now AND command IS NOT NULL
            ORDER BY follow_up_at LIMIT 1 FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            select.Parameters.AddWithValue("now", now);
            due = await ReadOneAsync(select, cancellationToken);
        }

        if (due is null)
        {
            return false;
        }

        LedgerEntry entry;
        try
        {
            entry = await run(due);
        }
        catch
        {
            // Put the failing follow-up back later, so it neither spins nor holds up the follow-ups due after it.
            await transaction.RollbackAsync(cancellationToken);
            await using var postpone = dataSource.CreateCommand("UPDATE processed_steps SET follow_up_at = @at WHERE step_id = @id AND follow_up_at IS NOT NULL");
            postpone.Parameters.AddWithValue("id", due.Command.StepId);
            postpone.Parameters.AddWithValue("at", now + retryAfter);
            await postpone.ExecuteNonQueryAsync(cancellationToken);
            throw;
        }

        await SaveAsync(connection, transaction, due.Command.StepId, entry, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Locks a step this connector ran (waiting for an instance that holds it), lets <paramref name="update"/> decide
    /// (and publish) its new outcome, and stores it; when the update returns null the stored step (its follow-up
    /// too) stays as it was. Returns false when the connector never ran that step.
    /// </summary>
    public async Task<bool> UpdateAsync(Guid stepId, Func<StoredStep, Task<LedgerEntry?>> update, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var stored = await ReadAsync(connection, transaction, stepId, forUpdate: true, cancellationToken);
        if (stored is null)
        {
            return false;
        }

        if (await update(stored) is { } entry)
        {
            await SaveAsync(connection, transaction, stepId, entry, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Ends a cancelled session's steps here: a step this connector never ran is stored as failed with
    /// <c>SESSION_CANCELLED</c>, so a copy that arrives later is answered with that and never run; a step that ran and
    /// has not finished is locked (waiting for a run or an update of it in hand), handed to <paramref name="undo"/>,
    /// then stored as failed with its follow-up dropped. A finished step stays as it is. Safe to repeat: a redelivered
    /// cancel finds every step finished.
    /// </summary>
    public async Task CancelAsync(CancelSession cancel, Func<StoredStep, Task> undo, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var step in cancel.Steps)
        {
            var cancelled = new StepProcessed
            {
                SessionId = cancel.SessionId, StepId = step.StepId, Skill = cancel.Skill, Step = step.Step, Outcome = StepOutcomes.Failed,
                Error = new StepError { Code = CancelledCode, Message = "The session was cancelled." }, ProcessedAt = now,
            };
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var claim = new NpgsqlCommand(
                "INSERT INTO processed_steps (step_id, skill, step, outcome) VALUES (@id, @skill, @step, @outcome::jsonb) ON CONFLICT (step_id) DO NOTHING",
                connection, transaction))
            {
                claim.Parameters.AddWithValue("id", step.StepId);
                claim.Parameters.AddWithValue("skill", cancel.Skill);
                claim.Parameters.AddWithValue("step", step.Step);
                claim.Parameters.AddWithValue("outcome", JsonSerializer.Serialize(cancelled, Json));
                if (await claim.ExecuteNonQueryAsync(cancellationToken) == 1)
                {
                    await transaction.CommitAsync(cancellationToken);
                    continue;
                }
            }

            var stored = await ReadAsync(connection, transaction, step.StepId, forUpdate: true, cancellationToken);
            if (stored is not null && stored.Outcome?.Outcome is not (StepOutcomes.Completed or StepOutcomes.Failed))
            {
                await undo(stored);
                await SaveAsync(connection, transaction, step.StepId, new LedgerEntry(cancelled), cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>The error code of a step whose session was cancelled.</summary>
    public const string CancelledCode = "SESSION_CANCELLED";

    private static async Task SaveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid stepId, LedgerEntry entry, CancellationToken cancellationToken)
    {
        await using var save = new NpgsqlCommand(
            "UPDATE processed_steps SET outcome = @outcome::jsonb, follow_up_at = @at, follow_up_state = @state::jsonb WHERE step_id = @id",
            connection, transaction);
        save.Parameters.AddWithValue("id", stepId);
        save.Parameters.AddWithValue("outcome", JsonSerializer.Serialize(entry.Outcome, Json));
        save.Parameters.AddWithValue("at", entry.FollowUpAt is { } at ? at : DBNull.Value);
        save.Parameters.AddWithValue("state", entry.FollowUpState is { } state ? state.GetRawText() : DBNull.Value);
        await save.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<StoredStep?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid stepId, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var read = new NpgsqlCommand(
            "SELECT step_id, command::text, outcome::text, follow_up_state::text FROM processed_steps WHERE step_id = @id" + (forUpdate ? " FOR UPDATE" : ""),
            connection, transaction);
        read.Parameters.AddWithValue("id", stepId);
        return await ReadOneAsync(read, cancellationToken);
    }

    private static async Task<StoredStep?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        // Rows written before the ledger kept commands have none: they can be republished but not followed up.
        var commandJson = await reader.IsDBNullAsync(1, cancellationToken) ? null : reader.GetString(1);
        var outcome = JsonSerializer.Deserialize<StepProcessed>(reader.GetString(2), Json)!;
        var state = await reader.IsDBNullAsync(3, cancellationToken) ? (JsonElement?)null : JsonDocument.Parse(reader.GetString(3)).RootElement.Clone();
        var stored = commandJson is null ? null : JsonSerializer.Deserialize<ProcessStep>(commandJson, Json);
        return new StoredStep(stored ?? LegacyCommand(reader.GetGuid(0), outcome), outcome, state);
    }

    private static ProcessStep LegacyCommand(Guid stepId, StepProcessed outcome) => new()
    {
        SessionId = outcome.SessionId,
        StepId = stepId,
        ClientId = "",
        Skill = outcome.Skill,
        Step = outcome.Step,
        StepNumber = 0,
        Data = JsonDocument.Parse("{}").RootElement.Clone(),
    };
}

/// <summary>What the ledger keeps of a step: its outcome, and when (and with what state) to follow it up.</summary>
public sealed record LedgerEntry(StepProcessed Outcome, DateTimeOffset? FollowUpAt = null, JsonElement? FollowUpState = null);

/// <summary>A step as the ledger remembers it: the command that started it, its current outcome, its follow-up state.</summary>
public sealed record StoredStep(ProcessStep Command, StepProcessed Outcome, JsonElement? FollowUpState);
