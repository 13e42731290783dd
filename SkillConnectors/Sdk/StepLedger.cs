using System.Text.Json;
using Finqware.Contracts.Sessions;
using Npgsql;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>
/// The connector's memory of the steps it has run, in its own PostgreSQL database (<c>ConnectionStrings:connectordb</c>),
/// so a redelivered step never runs its handler twice, whichever instance gets the copy.
/// <para>
/// A step is run inside a transaction that first inserts its id: a concurrent copy blocks on that row until the first
/// finishes, then finds the stored outcome and publishes it again instead of running the handler (SessionService
/// applies outcomes idempotently by step id). A process that dies mid-step rolls its row back, so the copy the broker
/// redelivers runs the step again: nothing is lost.
/// </para>
/// </summary>
public sealed class StepLedger(NpgsqlDataSource dataSource)
{
    public const string ConnectionName = "connectordb";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS processed_steps (
                step_id uuid PRIMARY KEY,
                skill text NOT NULL,
                step text NOT NULL,
                outcome jsonb NOT NULL,
                processed_at timestamptz NOT NULL DEFAULT now())
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="handle"/> unless the step already ran; returns the outcome (stored or new) and whether
    /// the handler ran. <paramref name="publish"/> is called with the outcome before the row commits.
    /// </summary>
    public async Task<(StepProcessed Outcome, bool Ran)> RunOnceAsync(
        ProcessStep command,
        Func<Task<StepProcessed>> handle,
        Func<StepProcessed, bool, Task> publish,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var claim = new NpgsqlCommand(
            "INSERT INTO processed_steps (step_id, skill, step, outcome) VALUES (@id, @skill, @step, 'null') ON CONFLICT (step_id) DO NOTHING",
            connection, transaction))
        {
            claim.Parameters.AddWithValue("id", command.StepId);
            claim.Parameters.AddWithValue("skill", command.Skill);
            claim.Parameters.AddWithValue("step", command.Step);
            if (await claim.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                var stored = await ReadAsync(connection, transaction, command.StepId, cancellationToken);
                await publish(stored, false);
                await transaction.CommitAsync(cancellationToken);
                return (stored, false);
            }
        }

        var outcome = await handle();
        await using (var save = new NpgsqlCommand("UPDATE processed_steps SET outcome = @outcome::jsonb WHERE step_id = @id", connection, transaction))
        {
            save.Parameters.AddWithValue("id", command.StepId);
            save.Parameters.AddWithValue("outcome", JsonSerializer.Serialize(outcome, Json));
            await save.ExecuteNonQueryAsync(cancellationToken);
        }

        await publish(outcome, true);
        await transaction.CommitAsync(cancellationToken);
        return (outcome, true);
    }

    private static async Task<StepProcessed> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid stepId, CancellationToken cancellationToken)
    {
        await using var read = new NpgsqlCommand("SELECT outcome::text FROM processed_steps WHERE step_id = @id", connection, transaction);
        read.Parameters.AddWithValue("id", stepId);
        var json = (string)(await read.ExecuteScalarAsync(cancellationToken))!;
        return JsonSerializer.Deserialize<StepProcessed>(json, Json)!;
    }
}
