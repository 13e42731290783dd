namespace Finqware.SessionService.Webhooks;

/// <summary>A delivery as the tenant reads it; <paramref name="Attempts"/> only when one delivery is read (GET .../{delivery_id}).</summary>
public sealed record WebhookDeliveryView(
    Guid EventId, string Type, Guid? SessionId, string Url, string Status, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt, IReadOnlyList<WebhookAttemptView>? AttemptHistory = null)
{
    public static WebhookDeliveryView Of(WebhookDelivery w, IReadOnlyList<WebhookAttemptView>? attempts = null) => new(
        w.Id, w.EventType, w.SessionId, w.Url, w.Status, w.Attempts, w.LastStatusCode, w.LastError, w.CreatedAt, w.DeliveredAt,
        w.Status == WebhookStatus.Pending ? w.NextAttemptAt : null, attempts);
}
