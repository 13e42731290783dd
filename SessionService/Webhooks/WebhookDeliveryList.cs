using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Webhooks;

public sealed record WebhookDeliveryList(IReadOnlyList<WebhookDeliveryView> Deliveries)
{
    public static async Task<WebhookDeliveryList> LoadAsync(IQueryable<WebhookDelivery> query, int limit, CancellationToken cancellationToken)
    {
        var rows = await query.OrderByDescending(w => w.CreatedAt).Take(limit).AsNoTracking().ToListAsync(cancellationToken);
        return new WebhookDeliveryList([.. rows.Select(w => WebhookDeliveryView.Of(w))]);
    }
}
