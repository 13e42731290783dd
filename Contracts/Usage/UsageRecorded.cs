namespace Finqware.Contracts.Usage;

/// <summary>
/// Metered units of one or more tenants, published by SessionService (its usage shipper moves them from its
/// <c>usage_events</c> table into its outbox in batches) and stored by TenantService's usage store, which counts each
/// <see cref="UsageEvent.Id"/> once, however often the message arrives.
/// </summary>
public sealed record UsageRecorded
{
    public required IReadOnlyList<UsageEvent> Events { get; init; }
}
