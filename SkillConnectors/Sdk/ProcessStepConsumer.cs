using Finqware.Contracts.Sessions;
using MassTransit;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>Receives the steps of every skill this connector serves and runs each one's handler once.</summary>
public sealed partial class ProcessStepConsumer(StepRunner runner, StepLedger ledger, StepCancellation cancellation, ILogger<ProcessStepConsumer> logger)
    : IConsumer<ProcessStep>
{
    public async Task Consume(ConsumeContext<ProcessStep> context)
    {
        var command = context.Message;
        // Not context.CancellationToken: it is cancelled when the broker connection drops (StepCancellation).
        var cancellationToken = cancellation.Token;
        StepContext? step = null;
        var (outcome, ran) = await ledger.RunOnceAsync(
            command,
            async () =>
            {
                (var entry, step) = await runner.RunAsync(command, cancellationToken);
                return entry;
            },
            (processed, withEvents) => withEvents
                ? StepRunner.PublishAsync(step!, processed, context, cancellationToken)
                : context.Publish(processed!, cancellationToken),
            cancellationToken);

        if (ran && outcome.Outcome == StepOutcomes.Failed)
        {
            // Logged inside the consume span: the dashboard links the entry to the step's trace.
            LogFailed(logger, command.Skill, command.Step, command.StepId, outcome.Error?.Code, outcome.Error?.Message);
        }
        else if (ran)
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Step {Skill}/{Step} {StepId} FAILED: {ErrorCode} {ErrorMessage}")]
    private static partial void LogFailed(ILogger logger, string skill, string step, Guid stepId, string? errorCode, string? errorMessage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Step {Skill}/{Step} {StepId} was already processed: its outcome is published again, the handler is not run")]
    private static partial void LogDuplicate(ILogger logger, string skill, string step, Guid stepId);
}
