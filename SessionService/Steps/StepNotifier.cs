using System.Collections.Concurrent;

namespace Finqware.SessionService.Steps;

/// <summary>Wakes long-polls in this instance when a step changes (other instances' changes are seen by polling).</summary>
public sealed class StepNotifier
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> waiters = new();

    public Task WaitAsync(Guid stepId, TimeSpan timeout, CancellationToken cancellationToken) =>
        waiters.GetOrAdd(stepId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task
            .WaitAsync(timeout, cancellationToken)
            .ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    public void Notify(Guid stepId)
    {
        if (waiters.TryRemove(stepId, out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}
