using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.Sdk;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Finqware.SkillConnectors.Tests;

/// <summary>
/// When the ledger publishes a step's outcome against when it commits the step's row, on real PostgreSQL: a finished
/// outcome goes out before the commit (SessionService applies it meanwhile), an outcome that waits for the outside goes
/// out after it, so whoever acts on it (the user on the bank's page) finds the step stored; a publish the broker refuses
/// is tried again while the step's claim is held, so the handler does not run twice.
/// </summary>
public sealed class StepLedgerTests(PostgresServerFixture postgres) : LedgerDatabase(postgres)
{
    [Theory]
    [InlineData(StepOutcomes.ActionRequired, true)]
    [InlineData(StepOutcomes.PendingVerification, true)]
    [InlineData(StepOutcomes.Completed, false)]
    [InlineData(StepOutcomes.Failed, false)]
    public async Task An_outcome_that_waits_for_the_outside_is_published_once_its_step_is_stored_and_a_finished_one_before(string outcome, bool storedFirst)
    {
        var command = Command();
        var published = new List<(string? Outcome, bool WithEvents, string? Stored)>();

        var (result, ran) = await new StepLedger(DataSource).RunOnceAsync(
            command,
            () => Task.FromResult(new LedgerEntry(Processed(command, outcome))),
            async (processed, withEvents) => published.Add((processed?.Outcome, withEvents, await StoredOutcomeAsync(command.StepId))),
            Cancel);

        Assert.True(ran);
        Assert.Equal(outcome, result.Outcome);
        // The run's data events always go before the commit; the outcome with them when finished, after it when not.
        Assert.Equal(
            storedFirst ? [(null, true, null), (outcome, false, outcome)] : [(outcome, true, null)],
            published);
        Assert.Equal(outcome, await StoredOutcomeAsync(command.StepId));
    }

    [Fact]
    public async Task A_step_that_ran_before_publishes_its_stored_outcome_without_running_again()
    {
        var command = Command();
        var ledger = new StepLedger(DataSource);
        await ledger.RunOnceAsync(command, () => Task.FromResult(new LedgerEntry(Processed(command, StepOutcomes.ActionRequired))), (_, _) => Task.CompletedTask, Cancel);
        var published = new List<(string? Outcome, bool WithEvents)>();

        var (result, ran) = await ledger.RunOnceAsync(
            command,
            () => throw new InvalidOperationException("The handler must not run twice."),
            (processed, withEvents) => { published.Add((processed?.Outcome, withEvents)); return Task.CompletedTask; },
            Cancel);

        Assert.False(ran);
        Assert.Equal(StepOutcomes.ActionRequired, result.Outcome);
        Assert.Equal([(StepOutcomes.ActionRequired, false)], published);
    }

    [Fact]
    public async Task An_outcome_the_broker_refuses_is_published_again_while_the_claim_is_held_and_the_handler_runs_once()
    {
        var command = Command();
        var (runs, attempts) = (0, new List<string?>());

        var (result, ran) = await new StepLedger(DataSource).RunOnceAsync(
            command,
            () =>
            {
                runs++;
                return Task.FromResult(new LedgerEntry(Processed(command, StepOutcomes.Completed)));
            },
            (_, _) => RefusedTwiceAsync(attempts, () => StoredOutcomeAsync(command.StepId)),
            Cancel);

        Assert.True(ran);
        Assert.Equal(1, runs);
        Assert.Equal([null, null, null], attempts);
        Assert.Equal(StepOutcomes.Completed, result.Outcome);
        Assert.Equal(StepOutcomes.Completed, await StoredOutcomeAsync(command.StepId));
    }

    [Fact]
    public async Task A_step_whose_outcome_the_broker_never_takes_is_given_up_so_its_redelivery_runs_it_again()
    {
        var command = Command();
        var ledger = new StepLedger(DataSource, Options.Create(new ConnectorOptions { OutcomeRetryFor = TimeSpan.FromSeconds(1) }));
        var attempts = 0;

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.RunOnceAsync(
            command,
            () => Task.FromResult(new LedgerEntry(Processed(command, StepOutcomes.Completed))),
            (_, _) =>
            {
                attempts++;
                throw new InvalidOperationException("The broker is unreachable.");
            },
            Cancel));

        Assert.Equal("The broker is unreachable.", refused.Message);
        Assert.True(attempts > 1, $"{attempts} attempt(s)");
        Assert.Null(await StoredOutcomeAsync(command.StepId));
        var (_, ran) = await ledger.RunOnceAsync(
            command, () => Task.FromResult(new LedgerEntry(Processed(command, StepOutcomes.Completed))), (_, _) => Task.CompletedTask, Cancel);
        Assert.True(ran);
    }

    [Fact]
    public async Task A_copy_that_arrives_while_a_lost_claims_outcome_waits_to_be_stored_again_does_not_run_the_handler()
    {
        var command = Command();
        var ledger = new StepLedger(DataSource);
        var (runs, entered, release) = (0, new TaskCompletionSource(), new TaskCompletionSource());
        var first = ledger.RunOnceAsync(
            command,
            async () =>
            {
                Interlocked.Increment(ref runs);
                entered.TrySetResult();
                await release.Task;
                return new LedgerEntry(Processed(command, StepOutcomes.Completed));
            },
            (_, _) => Task.CompletedTask,
            Cancel);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Cancel);

        // The database drops the claim's connection (as a restart does): the claim is gone. Then a second copy of the
        // command arrives (the outbox relay publishes a command again when its row's delete was lost).
        await TerminateOtherConnectionsAsync();
        var second = ledger.RunOnceAsync(
            command,
            () =>
            {
                Interlocked.Increment(ref runs);
                return Task.FromResult(new LedgerEntry(Processed(command, StepOutcomes.Completed)));
            },
            (_, _) => Task.CompletedTask,
            Cancel);
        await Task.Delay(500, Cancel);
        release.SetResult();

        var outcomes = await Task.WhenAll(first, second);
        Assert.Equal(1, runs);
        Assert.Equal([true, false], outcomes.Select(o => o.Ran));
        Assert.Equal(StepOutcomes.Completed, await StoredOutcomeAsync(command.StepId));
    }

    [Fact]
    public async Task A_publish_refused_again_and_again_is_logged_at_its_first_failure_and_then_one_in_ten()
    {
        var command = Command();
        var logger = new WarningCounter();
        var attempts = 0;

        await new StepLedger(DataSource, Options.Create(new ConnectorOptions()), logger).RunOnceAsync(
            command,
            () => Task.FromResult(new LedgerEntry(Processed(command, StepOutcomes.Completed))),
            (_, _) => ++attempts <= 10 ? throw new InvalidOperationException("The broker is unreachable.") : Task.CompletedTask,
            Cancel);

        Assert.Equal(11, attempts);
        Assert.Equal(2, logger.Warnings);
    }

    private sealed class WarningCounter : ILogger<StepLedger>
    {
        private int warnings;

        public int Warnings => warnings;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Interlocked.Increment(ref warnings);
            }
        }
    }

    /// <summary>The outcome stored for the step as another connection sees it (null while its row is not committed).</summary>
    private async Task<string?> StoredOutcomeAsync(Guid stepId)
    {
        await using var read = DataSource.CreateCommand("SELECT outcome ->> 'outcome' FROM processed_steps WHERE step_id = $1");
        read.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = stepId });
        return await read.ExecuteScalarAsync(Cancel) as string;
    }

    private static ProcessStep Command() => new()
    {
        SessionId = Guid.NewGuid(), StepId = Guid.NewGuid(), ClientId = "fqc_test", Skill = "test_sbx_#1.0", Step = "sca", StepNumber = 1,
        Data = JsonDocument.Parse("{}").RootElement.Clone(),
    };

    private static StepProcessed Processed(ProcessStep command, string outcome) => new()
    {
        SessionId = command.SessionId, StepId = command.StepId, Skill = command.Skill, Step = command.Step, Outcome = outcome,
        ProcessedAt = DateTimeOffset.UtcNow,
    };
}
