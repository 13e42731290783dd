using Finqware.SessionService.Webhooks;

namespace Finqware.SessionService.Sessions;

/// <summary>
/// How a session expires, wherever it is noticed (a read, a submit, or the sweep): the lifecycle rule of
/// <see cref="SessionLifecycle.ExpireIfDue"/>, and a <c>SESSION_FAILED</c> webhook whose <c>session_status</c> is
/// <c>EXPIRED</c> (webhooks have no event of their own for expiry: docs/sessions.md, "Webhooks"), recorded in the same unit of work.
/// </summary>
public static class SessionExpiry
{
    /// <summary>Expires <paramref name="session"/> when due; the caller saves. Returns true when it expired now.</summary>
    public static async Task<bool> ExpireIfDueAsync(Session session, WebhookOutbox webhooks, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!SessionLifecycle.ExpireIfDue(session, now))
        {
            return false;
        }

        await webhooks.EnqueueAsync(session, WebhookEvents.SessionFailed, null, cancellationToken);
        return true;
    }
}
