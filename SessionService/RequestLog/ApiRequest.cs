namespace Finqware.SessionService.RequestLog;

/// <summary>
/// One answered API request as <see cref="ActivityCapture"/> saw it, before <see cref="ActivityWriter"/> attributes it
/// to its tenant: by the caller's credential, else by the session (or the step's session) it named.
/// </summary>
public sealed record ApiRequest(
    Guid Id,
    DateTimeOffset At,
    string Method,
    string Route,
    int Status,
    double LatencyMs,
    string? TraceId,
    string? ClientId,
    Guid? SessionId,
    Guid? StepId,
    string? ConnectionId);
