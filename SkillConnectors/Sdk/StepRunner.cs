using System.Diagnostics;
using System.Text.Json;
using Finqware.Contracts.Sessions;
using Finqware.ServiceDefaults;
using MassTransit;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>
/// Runs a step's handler the three ways a step moves: its first run (from the queue), its follow-ups (when an outcome
/// asked for one) and updates from outside the handler (<see cref="IStepUpdates"/>). Every run is a span of the
/// connector's <see cref="ActivitySource"/>, named after the connector.
/// </summary>
public sealed partial class StepRunner(
    SkillRegistry registry,
    IServiceProvider services,
    IAttachmentReader attachments,
    ConnectorTelemetry telemetry,
    TimeProvider clock,
    ILogger<StepRunner> logger)
{
    /// <summary>The first run of a step: the handler's outcome, and the context holding the events it published.</summary>
    public async Task<(LedgerEntry Entry, StepContext Step)> RunAsync(ProcessStep command, CancellationToken cancellationToken)
    {
        using var activity = Start("step", command);
        var step = new StepContext(command, attachments);
        if (registry.Find(command.Skill, command.Step) is not { } handlerType)
        {
            var unknown = StepOutcome.Failed("UNKNOWN_STEP", $"This connector has no handler for step '{command.Step}' of '{command.Skill}'.");
            return (Entry(command, unknown, handlerType: null), step);
        }

        await using var scope = services.CreateAsyncScope();
        var handler = (IStepHandler)ActivatorUtilities.CreateInstance(scope.ServiceProvider, handlerType);
        var outcome = await handler.HandleAsync(step, cancellationToken);
        Tag(activity, outcome.Outcome);
        return (Entry(command, outcome, handlerType), step);
    }

    /// <summary>A due follow-up: runs the handler's <see cref="IStepFollowUp.FollowUpAsync"/> and publishes what changed.</summary>
    public async Task<LedgerEntry> FollowUpAsync(StoredStep stored, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        using var activity = Start("follow-up", stored.Command);
        var step = new StepContext(stored.Command, attachments) { CurrentOutcome = stored.Outcome };
        if (registry.Find(stored.Command.Skill, stored.Command.Step) is not { } handlerType || !typeof(IStepFollowUp).IsAssignableFrom(handlerType))
        {
            LogNoFollowUp(logger, stored.Command.Skill, stored.Command.Step, stored.Command.StepId);
            return new LedgerEntry(stored.Outcome);
        }

        await using var scope = services.CreateAsyncScope();
        var handler = (IStepFollowUp)ActivatorUtilities.CreateInstance(scope.ServiceProvider, handlerType);
        var outcome = await handler.FollowUpAsync(step, stored.FollowUpState, cancellationToken);
        Tag(activity, outcome?.Outcome ?? stored.Outcome.Outcome);
        return await ApplyAsync(stored, step, outcome, handlerType, publisher, cancellationToken);
    }

    /// <summary>An update from outside the handler; <paramref name="update"/> plays the handler's part.</summary>
    public async Task<(LedgerEntry Entry, StepUpdateResult Result)> UpdateAsync(
        StoredStep stored, Func<StepContext, Task<StepOutcome?>> update, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        using var activity = Start("update", stored.Command);
        if (IsTerminal(stored.Outcome.Outcome))
        {
            return (new LedgerEntry(stored.Outcome), StepUpdateResult.AlreadyFinished);
        }

        var step = new StepContext(stored.Command, attachments) { CurrentOutcome = stored.Outcome };
        var outcome = await update(step);
        Tag(activity, outcome?.Outcome ?? stored.Outcome.Outcome);
        var entry = await ApplyAsync(stored, step, outcome, registry.Find(stored.Command.Skill, stored.Command.Step), publisher, cancellationToken);
        return (entry, outcome is null ? StepUpdateResult.Unchanged : StepUpdateResult.Updated);
    }

    /// <summary>Publishes a run's data events, then its outcome.</summary>
    public static async Task PublishAsync(StepContext step, StepProcessed? outcome, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        foreach (var dataEvent in step.PublishedEvents)
        {
            await publisher.Publish(dataEvent, dataEvent.GetType(), cancellationToken);
        }

        if (outcome is not null)
        {
            await publisher.Publish(outcome, cancellationToken);
        }
    }

    private async Task<LedgerEntry> ApplyAsync(
        StoredStep stored, StepContext step, StepOutcome? outcome, Type? handlerType, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        // A finished step stays finished: a later outcome may still publish data events and ask for another follow-up
        // (a completed payment that moves on to ACSC), but its outcome is not published again.
        var keep = outcome is null || IsTerminal(stored.Outcome.Outcome);
        var entry = outcome is null
            ? new LedgerEntry(stored.Outcome)
            : keep
                ? Entry(stored.Command, outcome, handlerType) with { Outcome = stored.Outcome }
                : Entry(stored.Command, outcome, handlerType);
        await PublishAsync(step, keep ? null : entry.Outcome, publisher, cancellationToken);
        return entry;
    }

    private LedgerEntry Entry(ProcessStep command, StepOutcome outcome, Type? handlerType)
    {
        var now = clock.GetUtcNow();
        if (outcome.FollowUpAfter is not { } after)
        {
            return new LedgerEntry(outcome.ToMessage(command, now));
        }

        if (handlerType is null || !typeof(IStepFollowUp).IsAssignableFrom(handlerType))
        {
            throw new InvalidOperationException(
                $"Step {command.Skill}/{command.Step} asked for a follow-up, but its handler {handlerType?.Name} does not implement IStepFollowUp.");
        }

        return new LedgerEntry(outcome.ToMessage(command, now), now + after, outcome.FollowUpState);
    }

    private static bool IsTerminal(string outcome) => outcome is StepOutcomes.Completed or StepOutcomes.Failed;

    private Activity? Start(string kind, ProcessStep command)
    {
        var activity = telemetry.Source.StartActivity($"{kind} {command.Skill}/{command.Step}");
        activity?.SetTag("finqware.session_id", command.SessionId);
        activity?.SetTag("finqware.step_id", command.StepId);
        activity?.SetTag("finqware.skill", command.Skill);
        activity?.SetTag("finqware.step", command.Step);
        return activity;
    }

    private static void Tag(Activity? activity, string outcome)
    {
        activity?.SetTag("finqware.outcome", outcome);
        if (outcome == StepOutcomes.Failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {Skill}/{Step} {StepId} is due for a follow-up but its handler has none: the follow-up is dropped")]
    private static partial void LogNoFollowUp(ILogger logger, string skill, string step, Guid stepId);
}

/// <summary>The connector's <see cref="ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>, named after the connector (its application name).</summary>
public sealed class ConnectorTelemetry : IDisposable
{
    public ConnectorTelemetry(IHostEnvironment environment)
    {
        Name = environment.ApplicationName;
        Source = new ActivitySource(Name);
    }

    public string Name { get; }

    public ActivitySource Source { get; }

    public void Dispose() => Source.Dispose();
}

/// <summary>What <see cref="IStepUpdates.UpdateAsync"/> did.</summary>
public enum StepUpdateResult
{
    /// <summary>The new outcome was stored and published.</summary>
    Updated,

    /// <summary>The update returned null: the outcome stays (its data events were published).</summary>
    Unchanged,

    /// <summary>The step is COMPLETED or FAILED: nothing changes.</summary>
    AlreadyFinished,

    /// <summary>This connector never ran that step.</summary>
    UnknownStep,
}

/// <summary>
/// Changes a step's outcome from outside its handler: the connector's own authorisation page, a bank's callback.
/// <code>
/// var result = await updates.UpdateAsync(stepId, step => Task.FromResult&lt;StepOutcome?&gt;(StepOutcome.Completed(new { Consent = "valid" })), ct);
/// </code>
/// The step is locked while the update runs (a follow-up or another update of it waits), the outcome is stored in the
/// connector's database and published with the data events the update published.
/// </summary>
public interface IStepUpdates
{
    Task<StepUpdateResult> UpdateAsync(Guid stepId, Func<StepContext, Task<StepOutcome?>> update, CancellationToken cancellationToken);
}

public sealed class StepUpdates(StepLedger ledger, StepRunner runner, IBus bus) : IStepUpdates
{
    public async Task<StepUpdateResult> UpdateAsync(Guid stepId, Func<StepContext, Task<StepOutcome?>> update, CancellationToken cancellationToken)
    {
        var result = StepUpdateResult.UnknownStep;
        await ledger.UpdateAsync(
            stepId,
            async stored =>
            {
                (var entry, result) = await runner.UpdateAsync(stored, update, bus, cancellationToken);
                // Only a new outcome is stored: an update that changed nothing leaves the step's follow-up due.
                return result == StepUpdateResult.Updated ? entry : null;
            },
            cancellationToken);
        return result;
    }
}

/// <summary>Runs due follow-ups, polling the connector's database; several instances share them (SKIP LOCKED).</summary>
public sealed partial class FollowUpRunner(
    StepLedger ledger, StepRunner runner, IBus bus, Microsoft.Extensions.Options.IOptions<ConnectorOptions> options, TimeProvider clock, ILogger<FollowUpRunner> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.Value.FollowUpPollInterval;
            try
            {
                // A follow-up under way finishes even when the connector is stopping (CancellationToken.None); only the
                // wait between polls is cut short.
                while (!stoppingToken.IsCancellationRequested
                    && await ledger.RunDueFollowUpAsync(clock.GetUtcNow(), options.Value.FollowUpRetryAfter, stored => runner.FollowUpAsync(stored, bus, CancellationToken.None), CancellationToken.None))
                {
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException && TransientFailure.Is(ex))
            {
                // The database is away (a restart, a failover): nothing was taken. Look again later, not every poll.
                LogDatabaseAway(logger, options.Value.FollowUpRetryAfter, ex.Message);
                wait = options.Value.FollowUpRetryAfter;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The follow-up's row rolled back: it stays due and is tried again at the next poll.
                LogFailed(logger, ex);
            }

            try
            {
                await Task.Delay(wait, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Follow-ups wait for the connector's database, looking again in {Wait}: {Reason}")]
    private static partial void LogDatabaseAway(ILogger logger, TimeSpan wait, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A follow-up failed; it stays due and is tried again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
