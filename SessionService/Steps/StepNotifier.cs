using System.Collections.Concurrent;

namespace Finqware.SessionService.Steps;

/// <summary>
/// Wakes long-polls in this instance when a step changes, handing them the step as its change committed so they need
/// not read it back (other instances' changes are seen by polling).
/// </summary>
public sealed class StepNotifier
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<Step>> waiters = new();

    /// <summary>The step as committed by the next change applied in this instance, or null when none came in time.</summary>
    public Task<Step?> WaitAsync(Guid stepId, TimeSpan timeout, CancellationToken cancellationToken) =>
        waiters.GetOrAdd(stepId, _ => new TaskCompletionSource<Step>(TaskCreationOptions.RunContinuationsAsynchronously)).Task
            .WaitAsync(timeout, cancellationToken)
            .ContinueWith(wait => wait.IsCompletedSuccessfully ? wait.Result : null, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

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
