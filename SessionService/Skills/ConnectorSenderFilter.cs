using Finqware.Contracts.Sessions;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Steps;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Skills;

/// <summary>
/// Takes a step's outcome or a data event only from the connector of the skill it is about (docs/security.md,
/// "Connectors"): the skill of the session the message names (the message's own claim only for a session this service
/// does not know), or of the connection a refresh failed for, and its connector from the skill replica
/// (<see cref="SkillReplica.Connector"/>, kept in memory with the manifest), compared with the broker user that published the message
/// (<see cref="BrokerSender"/>, which the broker validated). Anything else goes to the consumer's <c>_error</c> queue
/// untouched, logged with its sender. A message about nothing this service knows passes on: its consumer changes nothing.
/// Other messages (the services' own events) pass on unchecked.
/// </summary>
public sealed partial class ConnectorSenderFilter<T>(SessionDbContext db, SkillDirectory skills, SubmittedSteps submitted, ILogger<ConnectorSenderFilter<T>> logger)
    : IFilter<ConsumeContext<T>>
    where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        var cancellationToken = context.CancellationToken;
        var skill = context.Message switch
        {
            // The session this instance kept when it sent the step knows its skill: no read on the usual path.
            StepProcessed m => submitted.SkillOf(m.SessionId, m.StepId) ?? await SessionSkillAsync(m.SessionId, m.Skill, cancellationToken),
            ConnectionDataSynced m => await SessionSkillAsync(m.SessionId, m.Skill, cancellationToken),
            PaymentInitiated m => await SessionSkillAsync(m.SessionId, m.Skill, cancellationToken),
            ApplicationUpdated m => await SessionSkillAsync(m.SessionId, m.Skill, cancellationToken),
            PaymentStatusChanged m => await SessionSkillAsync(m.SessionId, null, cancellationToken),
            VerificationCompleted m => await SessionSkillAsync(m.SessionId, null, cancellationToken),
            ConnectionRefreshFailed m => await db.Connections.AsNoTracking()
                .Where(c => c.ClientId == m.ClientId && c.ConnectionId == m.ConnectionId).Select(c => c.Skill).FirstOrDefaultAsync(cancellationToken),
            _ => null,
        };

        if (skill is not null)
        {
            var sender = BrokerSender.Of(context);
            var connector = await skills.ConnectorAsync(skill, cancellationToken);
            if (sender is null || connector is null || !string.Equals(sender, connector, StringComparison.Ordinal))
            {
                LogRefused(logger, typeof(T).Name, skill, sender ?? "(none)", connector ?? "(none registered)");
                throw new ForeignConnectorException($"{typeof(T).Name} about skill {skill} refused: published by '{sender ?? "nobody"}', the skill's connector is '{connector ?? "not registered"}'.");
            }
        }

        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("connectorSender");

    private async Task<string?> SessionSkillAsync(Guid sessionId, string? claimed, CancellationToken cancellationToken) =>
        await db.Sessions.AsNoTracking().Where(s => s.Id == sessionId).Select(s => s.Skill).FirstOrDefaultAsync(cancellationToken) ?? claimed;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a {MessageType} about skill {Skill} from broker user {Sender}: the skill's connector is {Connector}. The message goes to the error queue.")]
    private static partial void LogRefused(ILogger logger, string messageType, string skill, string sender, string connector);
}
