using System.Text.Json;
using Finqware.Contracts.Sessions;
using Finqware.ServiceDefaults.Data;
using Finqware.SessionService.Connections;
using Finqware.SessionService.Infrastructure;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Applications;

/// <summary>
/// Keeps a marketplace application's latest state: one row per tenant and application_id however often the event is
/// delivered; an update older than the one applied is ignored; an offer or contract an update leaves out is kept.
/// </summary>
public sealed partial class ApplicationUpdatedConsumer(SessionDbContext db, ILogger<ApplicationUpdatedConsumer> logger) : IConsumer<ApplicationUpdated>
{
    /// <summary>Its queue; each message handled once, in one transaction with its inbox row.</summary>
    public sealed class Definition() : InboxConsumerDefinition<ApplicationUpdatedConsumer, SessionDbContext>("sessions-application-updated");

    public async Task Consume(ConsumeContext<ApplicationUpdated> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        DataEventSupport.Require(DataEventSupport.IsId(message.ApplicationId) && DataEventSupport.IsId(message.ClientId, 64) && DataEventSupport.IsId(message.Skill)
            && DataEventSupport.IsId(message.Product, 64) && DataEventSupport.IsId(message.Status, 32),
            "ApplicationUpdated needs application_id, client_id, skill, product and status.");

        if (await DataEventSupport.IsForeignSessionAsync(db, message.SessionId, message.ClientId, cancellationToken))
        {
            LogForeign(logger, message.ApplicationId, message.SessionId);
            return;
        }

        await DataEventSupport.LockAsync(db, $"application|{message.ClientId}|{message.ApplicationId}", cancellationToken);
        var application = await db.Applications.FirstOrDefaultAsync(a => a.ClientId == message.ClientId && a.ApplicationId == message.ApplicationId, cancellationToken);
        if (application is null)
        {
            application = new ProductApplication
            {
                Id = Guid.CreateVersion7(), ClientId = message.ClientId, ApplicationId = message.ApplicationId, SessionId = message.SessionId,
                Skill = message.Skill, Product = message.Product, Status = message.Status, CreatedAt = message.At, LastEventAt = message.At,
            };
            db.Applications.Add(application);
        }
        else if (message.At < application.LastEventAt)
        {
            LogIgnored(logger, application.ApplicationId, message.Status);
            return;
        }

        application.SessionId = message.SessionId;
        application.Skill = message.Skill;
        application.Product = message.Product;
        application.Status = message.Status;
        application.Reason = DataEventSupport.Clip(message.Reason, 1000);
        if (message.Offer is { ValueKind: not JsonValueKind.Null } offer && !SameJson(application.Offer, offer))
        {
            application.Offer = JsonDocument.Parse(offer.GetRawText());
        }

        if (message.Contract is { ValueKind: not JsonValueKind.Null } contract && !SameJson(application.Contract, contract))
        {
            application.Contract = JsonDocument.Parse(contract.GetRawText());
        }

        application.LastEventAt = message.At;
        application.UpdatedAt = message.At;
        await db.SaveChangesAsync(cancellationToken);
        LogUpdated(logger, application.ApplicationId, application.Status);
    }

    private static bool SameJson(JsonDocument? stored, JsonElement value) =>
        stored is not null && JsonElement.DeepEquals(stored.RootElement, value);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ApplicationUpdated {ApplicationId} names session {SessionId} of another tenant: ignored")]
    private static partial void LogForeign(ILogger logger, string applicationId, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "ApplicationUpdated {Status} for {ApplicationId} is older than the state kept: ignored")]
    private static partial void LogIgnored(ILogger logger, string applicationId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Application {ApplicationId} is {Status}")]
    private static partial void LogUpdated(ILogger logger, string applicationId, string status);
}

/// <summary>Records a session's offline verification decision; the first decision stands, duplicates change nothing.</summary>
public sealed partial class VerificationCompletedConsumer(SessionDbContext db, ILogger<VerificationCompletedConsumer> logger) : IConsumer<VerificationCompleted>
{
    /// <summary>Its queue; each message handled once, in one transaction with its inbox row.</summary>
    public sealed class Definition() : InboxConsumerDefinition<VerificationCompletedConsumer, SessionDbContext>("sessions-verification-completed");

    public async Task Consume(ConsumeContext<VerificationCompleted> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        DataEventSupport.Require(DataEventSupport.IsId(message.ClientId, 64), "VerificationCompleted needs client_id.");

        if (await DataEventSupport.IsForeignSessionAsync(db, message.SessionId, message.ClientId, cancellationToken))
        {
            LogForeign(logger, message.SessionId);
        }
        else
        {
            await DataEventSupport.LockAsync(db, $"verification|{message.SessionId}", cancellationToken);
            if (!await db.Verifications.AnyAsync(v => v.SessionId == message.SessionId, cancellationToken))
            {
                db.Verifications.Add(new Verification
                {
                    SessionId = message.SessionId, ClientId = message.ClientId, StepId = message.StepId, Approved = message.Approved,
                    Reason = DataEventSupport.Clip(message.Reason, 1000), DecidedAt = message.At,
                });
                await db.SaveChangesAsync(cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "VerificationCompleted names session {SessionId} of another tenant: ignored")]
    private static partial void LogForeign(ILogger logger, Guid sessionId);
}
