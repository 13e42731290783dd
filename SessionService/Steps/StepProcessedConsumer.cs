using Finqware.Contracts.Sessions;
using Finqware.ServiceDefaults.Messaging;
using Finqware.ServiceDefaults.Data;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Skills;
using Finqware.SessionService.Telemetry;
using Finqware.SessionService.Webhooks;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Finqware.SessionService.Steps;

/// <summary>
/// Applies a connector's outcome to its step, idempotently: the step's rules (terminal never changes, the same outcome
/// twice changes nothing) drop a duplicate, and the inbox, written with the change, drops a redelivered message that
/// the rules alone would take (an older outcome arriving again after a newer one). The session follows its steps;
/// webhooks are recorded with the change. Two round trips when it changes something: a read, then one guarded
/// statement (<see cref="StepOutcomeWrite"/>) that writes everything and commits; one when this instance sent the step
/// and still holds the session as it wrote it then (<see cref="SubmittedSteps"/>). A change that lands after the read or
/// the submit (another outcome for the session, a cancel) makes the write refuse; the outcome is then applied again to a
/// fresh read.
/// </summary>
public sealed partial class StepProcessedConsumer(
    SessionDbContext db,
    StepOutcomeWrite writes,
    SkillDirectory skills,
    WebhookOutbox webhooks,
    SessionChanges changes,
    SubmittedSteps submitted,
    StepDataWait data,
    SessionMetrics metrics,
    TimeProvider clock,
    ILogger<StepProcessedConsumer> logger) : IConsumer<StepProcessed>
{
    /// <summary>
    /// Its queue, and no inbox filter: this consumer writes its inbox row itself, in the one statement that applies the
    /// outcome (<see cref="StepOutcomeWrite"/>). The filter would hold a transaction open around the consumer's work and
    /// add three round trips (begin, the inbox row, commit) to the step path, which this statement exists to avoid
    /// (docs/benchmarks.md); its guard already does what the filter's transaction would.
    /// </summary>
    public sealed class Definition() : QueueConsumerDefinition<StepProcessedConsumer>("sessions-step-processed");

    /// <summary>How many times an outcome is applied again after a concurrent change before the message is retried.</summary>
    public const int Attempts = 10;

    public async Task Consume(ConsumeContext<StepProcessed> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        var dataStored = false;
        for (var attempt = 1; ; attempt++)
        {
            // First the copy this instance kept when it sent the step, if it did (no read); the write checks it.
            var copy = attempt == 1 ? submitted.Take(message.SessionId, message.StepId) : null;
            var session = copy ?? await LoadQuery(db, message.SessionId, cancellationToken);
            var step = session?.Steps.FirstOrDefault(s => s.Id == message.StepId);
            if (session is null || step is null)
            {
                LogUnknownStep(logger, message.SessionId, message.StepId);
                await RecordHandledAsync(context, cancellationToken);
                return;
            }

            var seen = StepOutcomeWrite.Seen.Of(session, step);
            // Long-polls answer from this very step: its updated_at must read the same as from the database afterwards.
            var now = DatabaseTime.Stored(clock.GetUtcNow());
            if (!step.Apply(message, now))
            {
                if (copy is not null)
                {
                    continue; // Decided on the database's step, not on a copy.
                }

                LogIgnored(logger, step.Id, message.Outcome, step.Status);
                await RecordHandledAsync(context, cancellationToken);
                return;
            }

            if (!dataStored)
            {
                // What the outcome names is readable the moment the step reads so (it may change the step: read again).
                dataStored = true;
                if (StepDataWait.Named(step.Result) != default)
                {
                    await data.WaitAsync(session.ClientId, step.Id, step.Result, cancellationToken);
                    continue;
                }
            }

            var manifest = await skills.FindAsync(session.Skill, cancellationToken);
            var sessionChanged = SessionLifecycle.Refresh(session, manifest?.Steps.Count ?? int.MaxValue, now);
            session.UpdatedAt = now;
            var events = new List<WebhookDelivery>();
            switch (step.Status)
            {
                case StepStatus.Completed:
                    await AddWebhookAsync(events, session, WebhookEvents.StepCompleted, step, cancellationToken);
                    break;
                case StepStatus.ActionRequired:
                    await AddWebhookAsync(events, session, WebhookEvents.StepActionRequired, step, cancellationToken);
                    break;
            }

            if (sessionChanged && session.Status is SessionStatus.Completed or SessionStatus.Failed)
            {
                await AddWebhookAsync(events, session, session.Status == SessionStatus.Completed ? WebhookEvents.SessionCompleted : WebhookEvents.SessionFailed, null, cancellationToken);
            }

            try
            {
                if (!await writes.TryWriteAsync(session, step, seen, events, context.MessageId, nameof(StepProcessedConsumer), cancellationToken))
                {
                    if (attempt == Attempts)
                    {
                        throw new InvalidOperationException($"Step {step.Id} kept changing while its outcome was applied ({Attempts} attempts); the message will be retried.");
                    }

                    if (copy is null)
                    {
                        LogConcurrentChange(logger, step.Id, attempt);
                    }
                    else
                    {
                        LogStaleCopy(logger, step.Id);
                    }

                    continue;
                }
            }
            catch (PostgresException ex) when (ex is { SqlState: PostgresErrorCodes.UniqueViolation, TableName: OutboxModelExtensions.InboxTable })
            {
                LogRedelivered(logger, step.Id, context.MessageId);
                return;
            }

            changes.Changed(step);
            metrics.StepProcessed(session.Skill, step.Status, now - step.CreatedAt);
            LogApplied(logger, session.Id, step.Id, step.Status, session.Status);
            return;
        }
    }

    // Read without tracking or a lock: the write checks that nothing changed meanwhile.
    private static readonly Func<SessionDbContext, Guid, CancellationToken, Task<Session?>> LoadQuery =
        EF.CompileAsyncQuery((SessionDbContext db, Guid sessionId, CancellationToken _) =>
            db.Sessions.AsNoTracking()
                .Include(s => s.Steps).ThenInclude(s => s.Attachments)
                .AsSingleQuery()
                .FirstOrDefault(s => s.Id == sessionId));

    private async Task AddWebhookAsync(List<WebhookDelivery> events, Session session, string type, Step? step, CancellationToken cancellationToken)
    {
        if (await webhooks.CreateAsync(session, type, step, cancellationToken) is { } delivery)
        {
            events.Add(delivery);
        }
    }

    /// <summary>A message that changes nothing is still recorded as handled (rare, so its own round trip).</summary>
    private Task RecordHandledAsync(ConsumeContext context, CancellationToken cancellationToken) =>
        context.MessageId is { } messageId ? db.TryRecordInboxAsync(messageId, nameof(StepProcessedConsumer), cancellationToken) : Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "StepProcessed for unknown step {StepId} of session {SessionId} ignored")]
    private static partial void LogUnknownStep(ILogger logger, Guid sessionId, Guid stepId);

    [LoggerMessage(Level = LogLevel.Information, Message = "StepProcessed {Outcome} for step {StepId} changes nothing (step is {Status})")]
    private static partial void LogIgnored(ILogger logger, Guid stepId, string outcome, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "StepProcessed {MessageId} for step {StepId} was applied before: this copy changes nothing")]
    private static partial void LogRedelivered(ILogger logger, Guid stepId, Guid? messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Step {StepId} changed while its outcome was applied (attempt {Attempt}); applying it again")]
    private static partial void LogConcurrentChange(ILogger logger, Guid stepId, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Step {StepId} changed since it was submitted; its outcome is applied to a fresh read")]
    private static partial void LogStaleCopy(ILogger logger, Guid stepId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: step {StepId} is {StepStatus}, session {SessionStatus}")]
    private static partial void LogApplied(ILogger logger, Guid sessionId, Guid stepId, string stepStatus, string sessionStatus);
}
