namespace Finqware.SessionService.RequestLog;

/// <summary>
/// One API request of the tenant: when, what (the route's template), how it ended, how long it took, its trace id, and
/// the session or connection it touched (absent when none).
/// </summary>
public sealed record ActivityEntry(
    DateTimeOffset At,
    string Method,
    string Route,
    int Status,
    double LatencyMs,
    string? TraceId,
    Guid? SessionId,
    string? ConnectionId);
