using System.Collections.Concurrent;

namespace Finqware.SessionService.Steps;

/// <summary>
/// Wakes long-polls in this instance when a step changes, handing them the step as its change committed so they need
/// not read it back (other instances' changes are seen by polling).
/// </summary>
public sealed class StepNotifier
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<Step>> waiters = new();

    /// <summary>
    /// The step as committed by the next change applied in this instance, or null when none came in time. The waiter is
    /// registered when this is called, before its first await: a caller may read the step after calling and miss nothing.
    /// </summary>
    public async Task<Step?> WaitAsync(Guid stepId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var changed = waiters.GetOrAdd(stepId, _ => new TaskCompletionSource<Step>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        // A timeout or a cancelled request ends the wait without an exception (one would be thrown every poll window).
        await ((Task)changed.WaitAsync(timeout, cancellationToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return changed.IsCompletedSuccessfully ? await changed : null;
    }

    /// <summary>
    /// Called after the commit that changed <paramref name="step"/>; the step is read-only from then on (waiters read
    /// it from their own threads).
    /// </summary>
    public void Notify(Step step)
    {
        if (waiters.TryRemove(step.Id, out var waiter))
        {
            waiter.TrySetResult(step);
        }
    }
}
