namespace Finqware.SessionService.Sessions;

/// <summary>
/// A session as its reader may see it. The tenant's server (bearer token) gets results; the client app (its app
/// key) gets statuses, the next action and error codes only.
/// </summary>
public sealed record SessionView(
    Guid SessionId,
    string ClientId,
    string Skill,
    string Status,
    string? NextStep,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<StepView> Steps);
