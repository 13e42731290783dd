using System.Collections.Concurrent;
using Finqware.SessionService.Steps;

namespace Finqware.SessionService.Sessions;

/// <summary>
/// Wakes whoever waits for a session or a step to change: step long-polls and session event streams. Changes come from
/// two sides: this instance's outcome consumer hands over the step as its change committed (so a long-poll need not read
/// it back), and <see cref="SessionChangeListener"/> relays PostgreSQL's notifications of every commit that touched a
/// session or a step, from any instance (a trigger sends them; migration <c>SessionChangeNotifications</c>). While the
/// listener is not listening (<see cref="CrossInstance"/> false), waiters poll instead.
/// </summary>
public sealed class SessionChanges
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<Step?>> steps = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> sessions = new();

    /// <summary>True while every instance's commits reach this one (the listener is connected and listening).</summary>
    public bool CrossInstance { get; private set; }

    /// <summary>
    /// Waits for the step's next change: the step as committed when this instance applied it, null when the change came
    /// from elsewhere or none came in time (read it again). The waiter is registered when this is called, before its first
    /// await: a caller may read the step after calling and miss nothing.
    /// </summary>
    public async Task<Step?> WaitForStepAsync(Guid stepId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var changed = steps.GetOrAdd(stepId, _ => new TaskCompletionSource<Step?>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        // A timeout or a cancelled request ends the wait without an exception (one would be thrown every poll window).
        await ((Task)changed.WaitAsync(timeout, cancellationToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return changed.IsCompletedSuccessfully ? await changed : null;
    }

    /// <summary>
    /// Waits for the session's next change (its own or any of its steps'): true when one came, false when none came in
    /// time. Registered when called, like <see cref="WaitForStepAsync"/>.
    /// </summary>
    public async Task<bool> WaitForSessionAsync(Guid sessionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var changed = sessions.GetOrAdd(sessionId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        await changed.WaitAsync(timeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return changed.IsCompletedSuccessfully;
    }

    /// <summary>
    /// Called after the commit that changed <paramref name="step"/> in this instance; the step is read-only from then on
    /// (waiters read it from their own threads).
    /// </summary>
    public void Changed(Step step)
    {
        if (steps.TryRemove(step.Id, out var waiter))
        {
            waiter.TrySetResult(step);
        }

        Changed(step.SessionId, null);
    }

    /// <summary>A commit changed the session, or its step <paramref name="stepId"/> (a notification: no copy of the step).</summary>
    public void Changed(Guid sessionId, Guid? stepId)
    {
        if (stepId is { } id && steps.TryRemove(id, out var stepWaiter))
        {
            stepWaiter.TrySetResult(null);
        }

        if (sessions.TryRemove(sessionId, out var sessionWaiter))
        {
            sessionWaiter.TrySetResult();
        }
    }

    /// <summary>
    /// The listener started or stopped listening: every waiter reads again (a change may have gone by unnoticed in
    /// between) and, while <paramref name="crossInstance"/> is false, polls.
    /// </summary>
    public void Listening(bool crossInstance)
    {
        CrossInstance = crossInstance;
        foreach (var id in steps.Keys)
        {
            if (steps.TryRemove(id, out var waiter))
            {
                waiter.TrySetResult(null);
            }
        }

        foreach (var id in sessions.Keys)
        {
            if (sessions.TryRemove(id, out var waiter))
            {
                waiter.TrySetResult();
            }
        }
    }

    /// <summary>How long a waiter may wait before reading again: all it has while notifications flow, a second while they do not.</summary>
    public TimeSpan Window(TimeSpan remaining) =>
        remaining <= TimeSpan.Zero ? TimeSpan.Zero : CrossInstance || remaining < PollInterval ? remaining : PollInterval;

    /// <summary>How often a waiter reads again while notifications from other instances do not reach this one.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
}
