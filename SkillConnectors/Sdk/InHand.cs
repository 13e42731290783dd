using System.Collections.Concurrent;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>
/// The steps (or connection requests) this instance is running, by id: a second copy of one (a duplicate, a broker's
/// redelivery) waits here for the first to finish, then finds its stored outcome. The database's claim does the same
/// across instances, but a claim is lost with its connection when the database restarts; until the first copy has
/// stored its outcome again, only this stops the second from running the handler again.
/// </summary>
internal sealed class InHand
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> running = new();

    /// <summary>Waits until no other copy of <paramref name="id"/> runs here, then holds it until the lease is disposed.</summary>
    public async Task<Lease> EnterAsync(Guid id, CancellationToken cancellationToken)
    {
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        while (true)
        {
            var holder = running.GetOrAdd(id, mine);
            if (holder == mine)
            {
                return new Lease(this, id, mine);
            }

            await holder.Task.WaitAsync(cancellationToken);
        }
    }

    public readonly struct Lease(InHand owner, Guid id, TaskCompletionSource held) : IDisposable
    {
        public void Dispose()
        {
            owner.running.TryRemove(KeyValuePair.Create(id, held));
            held.TrySetResult();
        }
    }
}
