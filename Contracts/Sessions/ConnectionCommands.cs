namespace Finqware.Contracts.Sessions;

/// <summary>
/// Fetch a connection's data again (the tenant's <c>POST /connections/{id}/refresh</c>): sent by SessionService to the
/// skill's queue; the connector answers with <see cref="ConnectionDataSynced"/> (or <see cref="ConnectionRefreshFailed"/>).
/// </summary>
public sealed record RefreshConnection
{
    /// <summary>Unique per request: connectors deduplicate on it.</summary>
    public required Guid RequestId { get; init; }

    public required string ConnectionId { get; init; }

    public required Guid SessionId { get; init; }

    public required string ClientId { get; init; }

    public required string Skill { get; init; }

    public required DateTimeOffset RequestedAt { get; init; }
}

/// <summary>A refresh the bank refused (consent expired or revoked at the bank…): the connection keeps its last data.</summary>
public sealed record ConnectionRefreshFailed
{
    public required Guid RequestId { get; init; }

    public required string ConnectionId { get; init; }

    public required string ClientId { get; init; }

    /// <summary>A stable UPPER_SNAKE code, e.g. CONSENT_EXPIRED, CONSENT_REVOKED_AT_BANK.</summary>
    public required string Code { get; init; }

    public required string Message { get; init; }

    public required DateTimeOffset At { get; init; }
}

/// <summary>
/// The tenant revoked a connection (<c>DELETE /connections/{id}</c>): SessionService has already refused further reads;
/// the connector revokes the consent at the bank (idempotently: revoking twice is not an error).
/// </summary>
public sealed record RevokeConnection
{
    public required Guid RequestId { get; init; }

    public required string ConnectionId { get; init; }

    public required string ClientId { get; init; }

    public required string Skill { get; init; }

    public required DateTimeOffset RequestedAt { get; init; }
}
