namespace Finqware.Contracts.Usage;

/// <summary>One metered unit (docs/usage.md lists them).</summary>
public sealed record UsageEvent
{
    /// <summary>
    /// Derived from the thing counted, never random: <c>session:{id}:opened</c>, <c>session:{id}:completed</c>,
    /// <c>step:{id}:submitted</c>, <c>step:{id}:failed</c>, <c>upload:{attachment id}</c>. The same thing counted twice
    /// has the same id, so the store keeps it once.
    /// </summary>
    public required string Id { get; init; }

    /// <summary>The tenant (its client_id); the store adds its servicer and environment.</summary>
    public required string ClientId { get; init; }

    public required string Skill { get; init; }

    /// <summary>sessions_opened, sessions_completed, sessions_failed, sessions_expired, sessions_cancelled, steps, steps_completed, steps_failed or upload_bytes.</summary>
    public required string Unit { get; init; }

    /// <summary>1, or the bytes of an upload.</summary>
    public required long Quantity { get; init; }

    /// <summary>When the state change happened (UTC), as the changed row records it.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
