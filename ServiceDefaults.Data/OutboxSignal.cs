using System.Collections.Concurrent;

namespace Finqware.ServiceDefaults.Data;

/// <summary>
/// Hands the relay the outbox messages of each commit the moment it succeeds, so they are published straight from
/// memory: no poll, no read of the rows back. The rows stay in the table until published, for the relay of any
/// instance to find if this process dies first.
/// </summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim signal = new(0, 1);
    private readonly ConcurrentQueue<OutboxMessage> committed = new();

    /// <summary>Set while a relay runs in this process; otherwise committed messages are left to the table.</summary>
    internal bool RelayRunning { get; set; }

    /// <summary>
    /// Messages whose transaction committed, to publish now. EF Core units of work hand theirs over by themselves
    /// (<see cref="OutboxCommitInterceptor"/>); a writer beside EF Core calls this after its commit.
    /// </summary>
    public void Committed(IReadOnlyList<OutboxMessage> messages)
    {
        if (!RelayRunning)
        {
            return;
        }

        foreach (var message in messages)
        {
            committed.Enqueue(message);
        }

        Notify();
    }

    internal List<OutboxMessage> TakeCommitted(int max)
    {
        var batch = new List<OutboxMessage>();
        while (batch.Count < max && committed.TryDequeue(out var message))
        {
            batch.Add(message);
        }

        return batch;
    }

    public void Notify()
    {
        if (signal.CurrentCount == 0)
        {
            try
            {
                signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled by a concurrent commit.
            }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => signal.WaitAsync(timeout, cancellationToken);
}
