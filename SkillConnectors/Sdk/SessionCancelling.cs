using Finqware.Contracts.Sessions;
using MassTransit;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>
/// Receives CancelSession on the skill queues: the steps it lists end here (<see cref="StepLedger.CancelAsync"/>), and a
/// handler that implements <see cref="IStepCancellation"/> undoes at the bank what its step started. Nothing is
/// published: SessionService has already failed those steps.
/// </summary>
public sealed partial class CancelSessionConsumer(
    StepLedger ledger, SkillRegistry registry, IServiceProvider services, IAttachmentReader attachments, StepCancellation cancellation,
    TimeProvider clock, ILogger<CancelSessionConsumer> logger) : IConsumer<CancelSession>
{
    public async Task Consume(ConsumeContext<CancelSession> context)
    {
        var cancel = context.Message;
        // Not context.CancellationToken: it is cancelled when the broker connection drops (StepCancellation).
        var cancellationToken = cancellation.Token;
        var undone = 0;
        await ledger.CancelAsync(
            cancel,
            async stored =>
            {
                if (registry.Find(stored.Command.Skill, stored.Command.Step) is { } handlerType && typeof(IStepCancellation).IsAssignableFrom(handlerType))
                {
                    await using var scope = services.CreateAsyncScope();
                    var handler = (IStepCancellation)ActivatorUtilities.CreateInstance(scope.ServiceProvider, handlerType);
                    await handler.CancelAsync(new StepContext(stored.Command, attachments) { CurrentOutcome = stored.Outcome }, cancellationToken);
                    undone++;
                }
            },
            clock.GetUtcNow(),
            cancellationToken);
        LogCancelled(logger, cancel.SessionId, cancel.Steps.Count, undone);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} was cancelled: {Steps} step(s) ended here, {Undone} undone at the bank")]
    private static partial void LogCancelled(ILogger logger, Guid sessionId, int steps, int undone);
}
