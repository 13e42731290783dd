using Finqware.ServiceDefaults.Problems;
using Finqware.SessionService.Access;
using Finqware.SessionService.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Webhooks;

/// <summary>
/// One delivery with every attempt, and asking for it again (API token). A delivery is the tenant's own: another tenant's
/// id is as unknown as one that does not exist.
/// </summary>
public static class WebhookDeliveriesApi
{
    public const string NotFoundCode = "WEBHOOK_DELIVERY_NOT_FOUND";
    public const string NoUrlCode = "WEBHOOK_URL_NOT_SET";

    public static async Task<Results<Ok<WebhookDeliveryView>, ProblemHttpResult>> GetAsync(
        [FromRoute(Name = "delivery_id")] Guid deliveryId, Caller caller, SessionDbContext db, CancellationToken cancellationToken)
    {
        var delivery = await db.WebhookDeliveries.AsNoTracking().FirstOrDefaultAsync(w => w.Id == deliveryId && w.ClientId == caller.ClientId, cancellationToken);
        return delivery is null ? NotFound() : TypedResults.Ok(await WithAttemptsAsync(db, delivery, cancellationToken));
    }

    /// <summary>
    /// A delivered or failed delivery goes back to the dispatcher, due now, to the tenant's current webhook URL, with the
    /// same event id and body (a new signature) and a fresh series of retries; one still pending keeps its schedule
    /// (it is on its way), so asking twice queues one attempt.
    /// </summary>
    public static async Task<Results<Accepted<WebhookDeliveryView>, ProblemHttpResult>> RedeliverAsync(
        [FromRoute(Name = "delivery_id")] Guid deliveryId, Caller caller, SessionDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var delivery = await db.WebhookDeliveries
            .FromSqlInterpolated($"SELECT * FROM webhook_deliveries WHERE id = {deliveryId} AND client_id = {caller.ClientId} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        if (delivery is null)
        {
            return NotFound();
        }

        if (delivery.Status != WebhookStatus.Pending)
        {
            var url = await db.Tenants.Where(t => t.ClientId == caller.ClientId).Select(t => t.WebhookUrl).SingleOrDefaultAsync(cancellationToken);
            if (url is not { Length: > 0 })
            {
                return ApiProblems.Conflict(NoUrlCode, "The tenant has no webhook URL.",
                    "Set webhook_url (PATCH /tenants/{client_id}, portal token), then ask for the delivery again.");
            }

            delivery.Url = url;
            delivery.Status = WebhookStatus.Pending;
            delivery.NextAttemptAt = clock.GetUtcNow();
            delivery.AttemptsBeforeRedelivery = delivery.Attempts;
            delivery.LastStatusCode = null;
            delivery.LastError = null;
            delivery.DeliveredAt = null;
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Accepted($"/sessions/webhook-deliveries/{delivery.Id}", await WithAttemptsAsync(db, delivery, cancellationToken));
    }

    private static async Task<WebhookDeliveryView> WithAttemptsAsync(SessionDbContext db, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var attempts = await db.WebhookAttempts.AsNoTracking().Where(a => a.DeliveryId == delivery.Id).OrderBy(a => a.Number).ToListAsync(cancellationToken);
        return WebhookDeliveryView.Of(delivery, [.. attempts.Select(WebhookAttemptView.Of)]);
    }

    private static ProblemHttpResult NotFound() => ApiProblems.NotFound(NotFoundCode, "No such webhook delivery.",
        "Use an event_id from GET /sessions/webhook-deliveries, with the API token of the tenant the event was for.");
}
