using Finqware.Contracts.Sessions;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Replicas;
using Finqware.SessionService.Sessions;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Steps;

/// <summary>
/// Applies a connector's outcome to its step, idempotently by step id: a terminal step never changes (a duplicated
/// or late outcome is ignored), and the session's status follows its steps.
/// </summary>
public sealed partial class StepProcessedConsumer(SessionDbContext db, TimeProvider clock, ILogger<StepProcessedConsumer> logger) : IConsumer<StepProcessed>
{
    public async Task Consume(ConsumeContext<StepProcessed> context)
    {
        var outcome = context.Message;
        await using var transaction = await db.Database.BeginTransactionAsync(context.CancellationToken);
        var step = await db.Steps.FromSqlInterpolated($"SELECT * FROM steps WHERE id = {outcome.StepId} FOR UPDATE").FirstOrDefaultAsync(context.CancellationToken);
        if (step is null || step.IsTerminal)
        {
            LogIgnored(logger, outcome.StepId, step?.Status ?? "unknown");
            return;
        }

        var session = await db.Sessions.FirstAsync(s => s.Id == step.SessionId, context.CancellationToken);
        var now = clock.GetUtcNow();
        step.Status = outcome.Outcome switch
        {
            StepOutcomes.Completed => StepStatus.Completed,
            StepOutcomes.Failed => StepStatus.Failed,
            StepOutcomes.ActionRequired => StepStatus.ActionRequired,
            StepOutcomes.PendingVerification => StepStatus.PendingVerification,
            _ => throw new PermanentMessageException($"Unknown outcome '{outcome.Outcome}' for step {outcome.StepId}."),
        };
        step.Result = outcome.Result?.GetRawText() ?? step.Result;
        step.Action = outcome.Action is null ? null : System.Text.Json.JsonSerializer.Serialize(outcome.Action, ReplicaJson.Options);
        step.Error = outcome.Error is null ? null : System.Text.Json.JsonSerializer.Serialize(outcome.Error, ReplicaJson.Options);
        step.UpdatedAt = now;

        if (!session.IsClosed)
        {
            var manifest = await db.Skills.AsNoTracking().Where(s => s.SkillId == session.Skill).Select(s => s.Manifest).FirstOrDefaultAsync(context.CancellationToken);
            var lastStep = manifest is not null && System.Text.Json.JsonSerializer.Deserialize<Contracts.Skills.SkillManifest>(manifest, ReplicaJson.Options)!.Steps[^1].Name == step.Name;
            session.Status = step.Status switch
            {
                StepStatus.Failed => SessionStatus.Failed,
                StepStatus.Completed when lastStep => SessionStatus.Completed,
                StepStatus.PendingVerification => SessionStatus.PendingVerification,
                _ => SessionStatus.InProgress,
            };
            session.UpdatedAt = now;
        }

        await db.SaveChangesAsync(context.CancellationToken);
        await transaction.CommitAsync(context.CancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outcome for step {StepId} ignored: the step is {Status}")]
    private static partial void LogIgnored(ILogger logger, Guid stepId, string status);
}
