namespace Finqware.SessionService.Webhooks;

/// <summary>One webhook event for one tenant, and how its delivery went. Written in the transaction of the change it reports.</summary>
public sealed class WebhookDelivery
{
    /// <summary>The event's <c>event_id</c>; the receiver deduplicates on it.</summary>
    public required Guid Id { get; init; }

    public required string ClientId { get; init; }

    public Guid? SessionId { get; init; }

    public required string EventType { get; init; }

    /// <summary>The exact body sent (and signed).</summary>
    public required string Payload { get; init; }

    /// <summary>Where it goes: the tenant's webhook URL when the event was made, or when it was asked for again.</summary>
    public required string Url { get; set; }

    /// <summary>PENDING, DELIVERED or FAILED (gave up after the last attempt).</summary>
    public required string Status { get; set; }

    public int Attempts { get; set; }

    /// <summary>
    /// <see cref="Attempts"/> when the tenant last asked for the delivery again (0 before): the retry schedule and the
    /// attempt limit count from there, so a redelivery gets every retry a new event gets.
    /// </summary>
    public int AttemptsBeforeRedelivery { get; set; }

    public required DateTimeOffset NextAttemptAt { get; set; }

    public int? LastStatusCode { get; set; }

    public string? LastError { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? DeliveredAt { get; set; }
}
