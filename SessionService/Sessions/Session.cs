namespace Finqware.SessionService.Sessions;

/// <summary>An onboarding session: an ordered conversation of steps between a tenant's user and one skill.</summary>
public sealed class Session
{
    public required Guid Id { get; init; }

    public required string ClientId { get; init; }

    public required string Skill { get; init; }

    /// <summary>SESSION_CREATED, IN_PROGRESS, PENDING_VERIFICATION, COMPLETED, FAILED, EXPIRED or CANCELLED.</summary>
    public required string Status { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; set; }
}
