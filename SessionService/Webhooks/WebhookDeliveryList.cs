using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Webhooks;

public sealed record WebhookDeliveryList(IReadOnlyList<WebhookDeliveryView> Deliveries)
{
    public static async Task<WebhookDeliveryList> LoadAsync(IQueryable<WebhookDelivery> query, int limit, CancellationToken cancellationToken)
    {
        var rows = await query.OrderByDescending(w => w.CreatedAt).Take(limit).AsNoTracking().ToListAsync(cancellationToken);
        return new WebhookDeliveryList([.. rows.Select(w => new WebhookDeliveryView(
            w.Id, w.EventType, w.SessionId, w.Url, w.Status, w.Attempts, w.LastStatusCode, w.LastError, w.CreatedAt, w.DeliveredAt,
            w.Status == WebhookStatus.Pending ? w.NextAttemptAt : null))]);
    }
}
