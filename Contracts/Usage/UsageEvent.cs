namespace Finqware.Contracts.Usage;

/// <summary>One metered unit (docs/usage.md lists them).</summary>
public sealed record UsageEvent
{
    /// <summary>
    /// Never reused, and the same in every copy of the message: derived from the thing counted where there is one
    /// (<c>session:{id}:completed</c>, <c>step:{id}:submitted</c>, <c>upload:{attachment id}</c>,
    /// <c>webhook:{delivery id}:delivered</c>, <c>active:{connection}:{yyyy-MM}</c>), else given once at capture and kept
    /// with the row (<c>opened:{uuid}</c> for the sessions one commit opened, <c>call:{uuid}</c> for a data API call). The
    /// store keeps each id once.
    /// </summary>
    public required string Id { get; init; }

    /// <summary>The tenant (its client_id); the store adds its servicer and environment.</summary>
    public required string ClientId { get; init; }

    public required string Skill { get; init; }

    /// <summary>sessions_opened, sessions_completed, sessions_failed, sessions_expired, sessions_cancelled, steps, steps_completed, steps_failed, upload_bytes, data_calls_{route class}, active_connections, webhooks_delivered or webhooks_failed.</summary>
    public required string Unit { get; init; }

    /// <summary>1, the bytes of an upload, or the sessions one commit opened.</summary>
    public required long Quantity { get; init; }

    /// <summary>When the state change happened (UTC), as the changed row records it.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
