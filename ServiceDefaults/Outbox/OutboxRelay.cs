using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Finqware.ServiceDefaults.Outbox;

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

internal sealed partial class OutboxRelay<TContext>(
    IServiceScopeFactory scopes,
    IBus bus,
    OutboxSignal signal,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay<TContext>> logger) : BackgroundService
    where TContext : DbContext
{
    private static readonly ActivitySource Source = new("Finqware.Outbox");
    private static readonly ConcurrentDictionary<string, Type> Types = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RelayEnabled)
        {
            return;
        }

        signal.RelayRunning = true;
        var sweepDue = 0L;
        while (!stoppingToken.IsCancellationRequested)
        {
            var published = 0;
            try
            {
                // What this process committed, straight from memory; then, every poll interval, what nobody did.
                published = await PublishCommittedAsync(stoppingToken);
                if (Environment.TickCount64 >= sweepDue)
                {
                    sweepDue = Environment.TickCount64 + (long)options.Value.PollInterval.TotalMilliseconds;
                    published += await PublishLeftOverAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Broker or database away: the rows stay, and a later sweep publishes them.
                LogRelayFailed(logger, ex);
                await Task.Delay(options.Value.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (published == 0)
            {
                try
                {
                    await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Publishes messages whose commit this process saw, then deletes their rows.</summary>
    private async Task<int> PublishCommittedAsync(CancellationToken cancellationToken)
    {
        var batch = signal.TakeCommitted(options.Value.BatchSize);
        if (batch.Count == 0)
        {
            return 0;
        }

        var published = new List<Guid>(batch.Count);
        try
        {
            foreach (var message in batch)
            {
                await PublishAsync(message, cancellationToken);
                published.Add(message.Id);
            }
        }
        finally
        {
            // Rows not published stay for the sweep; a row whose delete is lost is published again with the same
            // MessageId, which consumers drop (inbox).
            if (published.Count > 0)
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<TContext>();
                await db.Database.ExecuteSqlInterpolatedAsync($"DELETE FROM outbox_messages WHERE id = ANY({published.ToArray()})", CancellationToken.None);
            }
        }

        return batch.Count;
    }

    /// <summary>
    /// Publishes rows older than <see cref="OutboxOptions.LeftOverAge"/>: those of a process that died between its
    /// commit and its publish, or whose publish failed. Claimed with SKIP LOCKED, so one instance publishes each.
    /// </summary>
    private async Task<int> PublishLeftOverAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var cutoff = DateTimeOffset.UtcNow - options.Value.LeftOverAge;
        var batch = await db.Set<OutboxMessage>()
            .FromSqlInterpolated($"SELECT * FROM outbox_messages WHERE created_at < {cutoff} ORDER BY created_at LIMIT {options.Value.BatchSize} FOR UPDATE SKIP LOCKED")
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        foreach (var message in batch)
        {
            await PublishAsync(message, cancellationToken);
        }

        var ids = batch.Select(m => m.Id).ToList();
        await db.Set<OutboxMessage>().Where(m => ids.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return batch.Count;
    }

    private async Task PublishAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var type = Types.GetOrAdd(message.MessageType, name => Type.GetType(name, throwOnError: true)!);
        var body = message.Payload ?? JsonSerializer.Deserialize(message.Body, type, OutboxExtensions.MessageJson)!;
        ActivityContext.TryParse(message.TraceParent, null, out var parent);
        using var activity = Source.StartActivity("outbox publish", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.message.type", type.Name);

        void Stamp(SendContext context) => context.MessageId = message.Id;
        if (message.Destination is null)
        {
            await bus.Publish(body, type, Pipe.Execute<PublishContext>(Stamp), cancellationToken);
        }
        else
        {
            var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{message.Destination}"));
            await endpoint.Send(body, type, Pipe.Execute<SendContext>(Stamp), cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay round failed; the messages stay in the outbox and are retried")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception);
}
