using Finqware.SessionService.Steps;

namespace Finqware.SessionService.Sessions;

/// <summary>
/// The session's lifecycle rules, kept apart from persistence so they are unit tested: a session's status follows
/// its steps, terminal statuses never change, and a session waiting for its user expires with its nonce.
/// </summary>
public static class SessionLifecycle
{
    /// <summary>The status the steps imply, given how many steps the skill's manifest has.</summary>
    public static string Derive(IReadOnlyCollection<Step> steps, int manifestSteps)
    {
        if (steps.Count == 0)
        {
            return SessionStatus.Created;
        }

        if (steps.Any(s => s.Status == StepStatus.Failed))
        {
            return SessionStatus.Failed;
        }

        if (steps.Count >= manifestSteps && steps.All(s => s.Status == StepStatus.Completed))
        {
            return SessionStatus.Completed;
        }

        return steps.Any(s => s.Status == StepStatus.PendingVerification) ? SessionStatus.PendingVerification : SessionStatus.InProgress;
    }

    /// <summary>Moves the session to what its steps imply, unless it already ended. Returns true when the status changed.</summary>
    public static bool Refresh(Session session, int manifestSteps, DateTimeOffset now)
    {
        if (session.IsClosed)
        {
            return false;
        }

        var next = Derive(session.Steps, manifestSteps);
        if (next == session.Status)
        {
            return false;
        }

        session.Status = next;
        session.UpdatedAt = now;
        return true;
    }

    /// <summary>
    /// A session expires when its nonce has expired while it waits for the user (no step is with a connector or
    /// the bank). Steps still waiting for uploads fail with SESSION_EXPIRED. Returns true when it expired now.
    /// </summary>
    public static bool ExpireIfDue(Session session, DateTimeOffset now)
    {
        if (session.IsClosed || now < session.ExpiresAt || session.Steps.Any(s => StepStatus.IsWithConnector(s.Status)))
        {
            return false;
        }

        foreach (var step in session.Steps.Where(s => !StepStatus.IsTerminal(s.Status)))
        {
            step.Fail("SESSION_EXPIRED", "The session expired before this step was finished.", now);
        }

        session.Status = SessionStatus.Expired;
        session.UpdatedAt = now;
        return true;
    }

    /// <summary>Cancels an open session; its unfinished steps fail with SESSION_CANCELLED. False when it had already ended.</summary>
    public static bool Cancel(Session session, DateTimeOffset now)
    {
        if (session.IsClosed)
        {
            return false;
        }

        foreach (var step in session.Steps.Where(s => !StepStatus.IsTerminal(s.Status)))
        {
            step.Fail("SESSION_CANCELLED", "The session was cancelled.", now);
        }

        session.Status = SessionStatus.Cancelled;
        session.UpdatedAt = now;
        return true;
    }
}
