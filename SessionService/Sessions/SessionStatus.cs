namespace Finqware.SessionService.Sessions;

/// <summary>Session statuses (docs/sessions.md, "Follow the step"). COMPLETED, FAILED, EXPIRED and CANCELLED are terminal.</summary>
public static class SessionStatus
{
    public const string Created = "SESSION_CREATED";
    public const string InProgress = "IN_PROGRESS";
    public const string PendingVerification = "PENDING_VERIFICATION";
    public const string Completed = "COMPLETED";
    public const string Failed = "FAILED";
    public const string Expired = "EXPIRED";
    public const string Cancelled = "CANCELLED";

    public static bool IsTerminal(string status) => status is Completed or Failed or Expired or Cancelled;

    /// <summary>
    /// SQL for "the session is not terminal", written out so that PostgreSQL can match it to the partial index of open
    /// sessions (ix_sessions_open_expires_at): a parameter in its place would hide the statuses from the planner.
    /// </summary>
    public const string OpenSql = $"status NOT IN ('{Completed}', '{Failed}', '{Expired}', '{Cancelled}')";
}
