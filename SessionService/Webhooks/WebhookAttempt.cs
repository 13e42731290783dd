namespace Finqware.SessionService.Webhooks;

/// <summary>One call to a tenant's webhook receiver for one delivery, as it went: written with the delivery's outcome.</summary>
public sealed class WebhookAttempt
{
    public long Id { get; init; }

    public required Guid DeliveryId { get; init; }

    /// <summary>1 for the delivery's first attempt, counting on through its redeliveries.</summary>
    public required int Number { get; init; }

    public required DateTimeOffset AttemptedAt { get; init; }

    /// <summary>The receiver's answer; null when there was none (unreachable, timed out, refused address, no signing key).</summary>
    public int? StatusCode { get; init; }

    /// <summary>Why the attempt failed; null when the receiver took the event (a 2xx).</summary>
    public string? Error { get; init; }

    /// <summary>From the request's start to the answer (or the failure), on the service's clock.</summary>
    public required int LatencyMs { get; init; }
}
