namespace Finqware.SessionService.Webhooks;

public sealed record WebhookDeliveryView(
    Guid EventId, string Type, Guid? SessionId, string Url, string Status, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt);
