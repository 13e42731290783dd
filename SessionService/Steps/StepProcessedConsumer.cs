using Finqware.Contracts.Sessions;
using Finqware.ServiceDefaults.Outbox;
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
/// webhooks are recorded in the same transaction. Three round trips when it changes something: lock and read, write,
/// commit.
/// </summary>
public sealed partial class StepProcessedConsumer(
    SessionDbContext db,
    SkillDirectory skills,
    WebhookOutbox webhooks,
    StepNotifier notifier,
    SessionMetrics metrics,
    TimeProvider clock,
    ILogger<StepProcessedConsumer> logger) : IConsumer<StepProcessed>
{
    public async Task Consume(ConsumeContext<StepProcessed> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // Lock the session row: outcomes of one session are applied one at a time.
        var session = await db.Sessions
            .FromSqlInterpolated($"SELECT * FROM sessions WHERE id = {message.SessionId} FOR UPDATE")
            .Include(s => s.Steps).ThenInclude(s => s.Attachments)
            .AsSingleQuery()
            .FirstOrDefaultAsync(cancellationToken);
        var step = session?.Steps.FirstOrDefault(s => s.Id == message.StepId);
        if (session is null || step is null)
        {
            LogUnknownStep(logger, message.SessionId, message.StepId);
            await RecordHandledAsync(context, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return;
        }

        // To the microsecond, as PostgreSQL stores it: long-polls answer from this very step, and its updated_at must
        // read the same as from the database afterwards.
        var now = clock.GetUtcNow();
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
        if (!step.Apply(message, now))
        {
            LogIgnored(logger, step.Id, message.Outcome, step.Status);
            await RecordHandledAsync(context, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return;
        }

        var manifest = await skills.FindAsync(session.Skill, cancellationToken);
        var sessionChanged = SessionLifecycle.Refresh(session, manifest?.Steps.Count ?? int.MaxValue, now);
        session.UpdatedAt = now;
        switch (step.Status)
        {
            case StepStatus.Completed:
                await webhooks.EnqueueAsync(session, WebhookEvents.StepCompleted, step, cancellationToken);
                break;
            case StepStatus.ActionRequired:
                await webhooks.EnqueueAsync(session, WebhookEvents.StepActionRequired, step, cancellationToken);
                break;
        }

        if (sessionChanged && session.Status is SessionStatus.Completed or SessionStatus.Failed)
        {
            await webhooks.EnqueueAsync(session, session.Status == SessionStatus.Completed ? WebhookEvents.SessionCompleted : WebhookEvents.SessionFailed, null, cancellationToken);
        }

        // The inbox row goes in the same batch as the changes: a copy of a message already applied (a redelivery) fails
        // on its primary key and the whole change rolls back, so an older outcome never overwrites a newer one.
        if (context.MessageId is { } messageId)
        {
            db.Set<InboxMessage>().Add(new InboxMessage { MessageId = messageId, Consumer = nameof(StepProcessedConsumer), ProcessedAt = now });
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, TableName: OutboxModelExtensions.InboxTable })
        {
            LogRedelivered(logger, step.Id, context.MessageId);
            return;
        }

        await transaction.CommitAsync(cancellationToken);
        notifier.Notify(step);
        metrics.StepProcessed(session.Skill, step.Status, now - step.CreatedAt);
        LogApplied(logger, session.Id, step.Id, step.Status, session.Status);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: step {StepId} is {StepStatus}, session {SessionStatus}")]
    private static partial void LogApplied(ILogger logger, Guid sessionId, Guid stepId, string stepStatus, string sessionStatus);
}
