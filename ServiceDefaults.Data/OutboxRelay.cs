using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Finqware.ServiceDefaults.Data;

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
