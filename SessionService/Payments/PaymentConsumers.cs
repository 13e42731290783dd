using Finqware.Contracts.Sessions;
using Finqware.ServiceDefaults.Data;
using Finqware.SessionService.Connections;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Webhooks;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Payments;

/// <summary>
/// Keeps payments from their connector's events. The two events travel on separate queues and may arrive in either
/// order: whichever comes first creates the payment (one per tenant and payment_id, however often it is delivered),
/// the other fills in what it knows.
/// </summary>
internal static class PaymentStore
{
    public static async Task<Payment?> LoadOrCreateAsync(
        SessionDbContext db, string clientId, string paymentId, Guid sessionId, string status, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (await DataEventSupport.IsForeignSessionAsync(db, sessionId, clientId, cancellationToken))
        {
            return null;
        }

        await DataEventSupport.LockAsync(db, $"payment|{clientId}|{paymentId}", cancellationToken);
        var payment = await db.Payments.FirstOrDefaultAsync(p => p.ClientId == clientId && p.PaymentId == paymentId, cancellationToken);
        if (payment is null)
        {
            var skill = await db.Sessions.Where(s => s.Id == sessionId).Select(s => s.Skill).FirstOrDefaultAsync(cancellationToken);
            payment = new Payment
            {
                Id = Guid.CreateVersion7(), ClientId = clientId, PaymentId = paymentId, SessionId = sessionId, Skill = skill ?? "",
                Status = status, CreatedAt = at, UpdatedAt = at,
            };
            db.Payments.Add(payment);
        }

        return payment;
    }

    /// <summary>Timestamps are the bank's, so the same event applied twice leaves the payment exactly as it was.</summary>
    public static void Touch(Payment payment, DateTimeOffset at)
    {
        payment.CreatedAt = at < payment.CreatedAt ? at : payment.CreatedAt;
        payment.UpdatedAt = at > payment.UpdatedAt ? at : payment.UpdatedAt;
    }
}

public sealed partial class PaymentInitiatedConsumer(SessionDbContext db, ILogger<PaymentInitiatedConsumer> logger) : IConsumer<PaymentInitiated>
{
    /// <summary>Its queue; each message handled once, in one transaction with its inbox row.</summary>
    public sealed class Definition() : InboxConsumerDefinition<PaymentInitiatedConsumer, SessionDbContext>("sessions-payment-initiated");

    public async Task Consume(ConsumeContext<PaymentInitiated> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        DataEventSupport.Require(DataEventSupport.IsId(message.PaymentId) && DataEventSupport.IsId(message.ClientId, 64) && DataEventSupport.IsId(message.Status, 16)
            && DataEventSupport.IsId(message.Skill) && message.Currency.Length == 3,
            "PaymentInitiated needs payment_id, client_id, skill, a status of at most 16 characters and a three-letter currency.");

        var payment = await PaymentStore.LoadOrCreateAsync(db, message.ClientId, message.PaymentId, message.SessionId, message.Status, message.At, cancellationToken);
        if (payment is null)
        {
            LogForeign(logger, message.PaymentId, message.SessionId);
        }
        else
        {
            payment.SessionId = message.SessionId;
            payment.StepId = message.StepId;
            payment.Skill = message.Skill;
            payment.CreditorName = DataEventSupport.Clip(message.CreditorName, 256);
            payment.CreditorIban = DataEventSupport.Clip(message.CreditorIban, 64);
            payment.Amount = Math.Round(message.Amount, 2);
            payment.Currency = message.Currency;
            payment.RemittanceInformation = DataEventSupport.Clip(message.RemittanceInformation, 1000);
            payment.Record(message.Status, null, message.At);
            PaymentStore.Touch(payment, message.At);
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PaymentInitiated {PaymentId} names session {SessionId} of another tenant: ignored")]
    private static partial void LogForeign(ILogger logger, string paymentId, Guid sessionId);
}

/// <summary>
/// Adds a status to the payment's history in the order of the bank's timestamps; a terminal status (ACSC, RJCT, CANC)
/// never changes, and a duplicate changes nothing. A change of status queues PAYMENT_STATUS_CHANGED.
/// </summary>
public sealed partial class PaymentStatusChangedConsumer(SessionDbContext db, WebhookOutbox webhooks, ILogger<PaymentStatusChangedConsumer> logger) : IConsumer<PaymentStatusChanged>
{
    /// <summary>Its queue; each message handled once, in one transaction with its inbox row.</summary>
    public sealed class Definition() : InboxConsumerDefinition<PaymentStatusChangedConsumer, SessionDbContext>("sessions-payment-status-changed");

    public async Task Consume(ConsumeContext<PaymentStatusChanged> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        DataEventSupport.Require(DataEventSupport.IsId(message.PaymentId) && DataEventSupport.IsId(message.ClientId, 64) && DataEventSupport.IsId(message.Status, 16),
            "PaymentStatusChanged needs payment_id, client_id and a status of at most 16 characters.");

        var payment = await PaymentStore.LoadOrCreateAsync(db, message.ClientId, message.PaymentId, message.SessionId, message.Status, message.At, cancellationToken);
        if (payment is null)
        {
            LogForeign(logger, message.PaymentId, message.SessionId);
            return;
        }

        var isNew = db.Entry(payment).State == EntityState.Added;
        var (historyChanged, statusChanged) = payment.Record(message.Status, DataEventSupport.Clip(message.Reason, 1000), message.At);
        if (historyChanged)
        {
            PaymentStore.Touch(payment, message.At);
            if (statusChanged || isNew)
            {
                await webhooks.EnqueueAsync(payment.ClientId, payment.SessionId, WebhookEvents.PaymentStatusChanged,
                    (id, at) => new PaymentStatusChangedEvent(id, WebhookEvents.PaymentStatusChanged, at, payment.ClientId, payment.PaymentId, payment.SessionId, payment.Status, payment.Reason),
                    cancellationToken);
            }

            await db.SaveChangesAsync(cancellationToken);
            LogStatus(logger, payment.PaymentId, payment.Status);
        }
        else
        {
            LogIgnored(logger, payment.PaymentId, message.Status, payment.Status);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PaymentStatusChanged {PaymentId} names session {SessionId} of another tenant: ignored")]
    private static partial void LogForeign(ILogger logger, string paymentId, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Payment {PaymentId} is {Status}")]
    private static partial void LogStatus(ILogger logger, string paymentId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "PaymentStatusChanged {Status} for payment {PaymentId} changes nothing (payment is {Current})")]
    private static partial void LogIgnored(ILogger logger, string paymentId, string status, string current);
}

/// <summary>The PAYMENT_STATUS_CHANGED webhook; GET /payments/{payment_id} has the details.</summary>
public sealed record PaymentStatusChangedEvent(Guid EventId, string Type, DateTimeOffset CreatedAt, string ClientId, string PaymentId, Guid SessionId, string Status, string? Reason);
