namespace Finqware.SessionService.Connections;

/// <summary>
/// A consent a completed AISP session produced (docs/data-api.md, "Connections"), kept from the connector's <c>ConnectionDataSynced</c>.
/// <see cref="ConnectionId"/> is the connector's id and is unique per tenant; <see cref="Id"/> is ours.
/// </summary>
public sealed class Connection
{
    public required Guid Id { get; init; }

    public required string ClientId { get; init; }

    public required string ConnectionId { get; init; }

    public required Guid SessionId { get; set; }

    public required string Skill { get; set; }

    /// <summary>One of <see cref="ConnectionStatus"/>, as last stored (see <see cref="EffectiveStatus"/>).</summary>
    public required string Status { get; set; }

    public required DateTimeOffset ValidUntil { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When the bank's data was last read (the connector's <c>SyncedAt</c>).</summary>
    public DateTimeOffset? LastSyncedAt { get; set; }

    /// <summary>The connection's change counter: every transaction change takes the next value (the sync cursor).</summary>
    public long ChangeSeq { get; set; }

    public string? LastRefreshErrorCode { get; set; }

    public string? LastRefreshErrorMessage { get; set; }

    public DateTimeOffset? LastRefreshErrorAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>When CONNECTION_EXPIRING was queued for the current <see cref="ValidUntil"/> (once).</summary>
    public DateTimeOffset? ExpiringNotifiedAt { get; set; }

    /// <summary>EXPIRED as soon as <see cref="ValidUntil"/> has passed, even before the sweep stored it.</summary>
    public string EffectiveStatus(DateTimeOffset now) =>
        Status == ConnectionStatus.Active && ValidUntil <= now ? ConnectionStatus.Expired : Status;
}
