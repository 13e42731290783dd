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

    public required DateTimeOffset UpdatedAt { get; set; }

    public bool IsClosed => Status is SessionStatus.Completed or SessionStatus.Failed or SessionStatus.Expired or SessionStatus.Cancelled;
}

public static class SessionStatus
{
    public const string Created = "SESSION_CREATED";
    public const string InProgress = "IN_PROGRESS";
    public const string PendingVerification = "PENDING_VERIFICATION";
    public const string Completed = "COMPLETED";
    public const string Failed = "FAILED";
    public const string Expired = "EXPIRED";
    public const string Cancelled = "CANCELLED";
}
