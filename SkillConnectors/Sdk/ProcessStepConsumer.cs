using System.Diagnostics;
using Finqware.Contracts.Sessions;
using MassTransit;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>Receives the steps of every skill this connector serves and runs each one's handler once.</summary>
public sealed partial class ProcessStepConsumer(
    SkillRegistry registry,
    StepLedger ledger,
    IServiceProvider services,
    IAttachmentReader attachments,
    TimeProvider clock,
    ILogger<ProcessStepConsumer> logger) : IConsumer<ProcessStep>
{
    public static readonly ActivitySource Source = new("Finqware.Connectors");

    public async Task Consume(ConsumeContext<ProcessStep> context)
    {
        var command = context.Message;
        using var activity = Source.StartActivity($"step {command.Skill}/{command.Step}");
        activity?.SetTag("finqware.session_id", command.SessionId);
        activity?.SetTag("finqware.step_id", command.StepId);
        activity?.SetTag("finqware.skill", command.Skill);
        activity?.SetTag("finqware.step", command.Step);

        var step = new StepContext(command, attachments);
        var (outcome, ran) = await ledger.RunOnceAsync(
            command,
            async () =>
            {
                if (registry.Find(command.Skill, command.Step) is not { } handlerType)
                {
                    return StepOutcome.Failed("UNKNOWN_STEP", $"This connector has no handler for step '{command.Step}' of '{command.Skill}'.")
                        .ToMessage(command, clock.GetUtcNow());
                }

                await using var scope = services.CreateAsyncScope();
                var handler = (IStepHandler)ActivatorUtilities.CreateInstance(scope.ServiceProvider, handlerType);
                var result = await handler.HandleAsync(step, context.CancellationToken);
                return result.ToMessage(command, clock.GetUtcNow());
            },
            async (processed, fresh) =>
            {
                if (fresh)
                {
                    foreach (var dataEvent in step.PublishedEvents)
                    {
                        await context.Publish(dataEvent, dataEvent.GetType(), context.CancellationToken);
                    }
                }

                await context.Publish(processed, context.CancellationToken);
            },
            context.CancellationToken);

        activity?.SetTag("finqware.outcome", outcome.Outcome);
        if (outcome.Outcome == StepOutcomes.Failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, outcome.Error?.Code);
        }

        if (ran)
        {
            LogProcessed(logger, command.Skill, command.Step, command.StepId, outcome.Outcome);
        }
        else
        {
            LogDuplicate(logger, command.Skill, command.Step, command.StepId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Step {Skill}/{Step} {StepId}: {Outcome}")]
    private static partial void LogProcessed(ILogger logger, string skill, string step, Guid stepId, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Step {Skill}/{Step} {StepId} was already processed: its outcome is published again, the handler is not run")]
    private static partial void LogDuplicate(ILogger logger, string skill, string step, Guid stepId);
}
