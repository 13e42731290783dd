namespace Finqware.SessionService.Applications;

/// <summary>An offline verification (KYC) decision of a session (from <c>VerificationCompleted</c>); the first decision stands.</summary>
public sealed class Verification
{
    public required Guid SessionId { get; init; }

    public required string ClientId { get; init; }

    public required Guid StepId { get; init; }

    public required bool Approved { get; init; }

    public string? Reason { get; init; }

    public required DateTimeOffset DecidedAt { get; init; }
}
