using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Finqware.ServiceDefaults.Data;

/// <summary>
/// Hands the relay the outbox messages a unit of work saved once they are committed: after SaveChanges outside a
/// transaction, or after the commit of the transaction that saved them; a rollback or a failed save forgets them.
/// One instance serves every context of a service (contexts are pooled, see AddServiceDatabase): what each context has
/// saved but not yet committed is kept per context and per lease, so a context back from the pool never hands on
/// messages of an earlier unit of work that ended without a commit.
/// </summary>
public sealed class OutboxCommitInterceptor(OutboxSignal? signal) : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbContext, Pending> pending = new();

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Track(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Track(eventData.Context);
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        NotifyIfCommitted(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        NotifyIfCommitted(eventData.Context);
        return result;
    }

    public Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Notify(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => Notify(eventData.Context);

    public Task TransactionRolledBackAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Clear(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => Clear(eventData.Context);

    public Task TransactionFailedAsync(System.Data.Common.DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Clear(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionFailed(System.Data.Common.DbTransaction transaction, TransactionErrorEventData eventData) => Clear(eventData.Context);

    public void SaveChangesFailed(DbContextErrorEventData eventData) => Forget(eventData.Context);

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    /// <summary>The messages <paramref name="context"/> saved in its current lease and has not yet seen committed.</summary>
    private List<OutboxMessage>? PendingOf(DbContext? context)
    {
        if (context is null)
        {
            return null;
        }

        var entry = pending.GetOrCreateValue(context);
        var lease = context.ContextId.Lease;
        if (entry.Lease != lease)
        {
            // The context came back from the pool: whatever its last unit of work left uncommitted is not ours.
            entry.Messages.Clear();
            entry.Lease = lease;
        }

        return entry.Messages;
    }

    private void Track(DbContext? context)
    {
        if (signal is null || PendingOf(context) is not { } messages)
        {
            return;
        }

        foreach (var entry in context!.ChangeTracker.Entries<OutboxMessage>())
        {
            if (entry.State == EntityState.Added && !messages.Contains(entry.Entity))
            {
                messages.Add(entry.Entity);
            }
        }
    }

    /// <summary>
    /// A failed save wrote none of its messages (they are still Added; a retried save tracks them again), whatever
    /// the caller does next with its transaction. Messages of earlier saves in the same transaction stay pending.
    /// </summary>
    private void Forget(DbContext? context) =>
        PendingOf(context)?.RemoveAll(message => context!.Entry(message).State == EntityState.Added);

    private void Clear(DbContext? context) => PendingOf(context)?.Clear();

    private void NotifyIfCommitted(DbContext? context)
    {
        if (context?.Database.CurrentTransaction is null)
        {
            Notify(context);
        }
    }

    private void Notify(DbContext? context)
    {
        if (PendingOf(context) is { Count: > 0 } messages)
        {
            signal?.Committed([.. messages]);
            messages.Clear();
        }
    }

    private sealed class Pending
    {
        public int Lease { get; set; } = -1;

        public List<OutboxMessage> Messages { get; } = [];
    }
}
