using Finqware.SessionService.Steps;

namespace Finqware.SessionService.Sessions;

/// <summary>An onboarding session: an ordered conversation of steps between a tenant's user and one skill.</summary>
public sealed class Session
{
    public required Guid Id { get; init; }

    public required string ClientId { get; init; }

    public required string Skill { get; init; }

    /// <summary>One of <see cref="SessionStatus"/>.</summary>
    public required string Status { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When the outstanding nonce expires; a session still waiting for its user then expires too.</summary>
    public required DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The step number the outstanding nonce authorises (1 for the first step).</summary>
    public int NextSeq { get; set; } = 1;

    /// <summary>Identifier of the outstanding nonce; a concurrency token, so one nonce is consumed once.</summary>
    public required string CurrentNonceId { get; set; }

    public List<Step> Steps { get; init; } = [];

    public bool IsClosed => SessionStatus.IsTerminal(Status);
}
