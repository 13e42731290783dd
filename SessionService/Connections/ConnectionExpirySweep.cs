using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Connections;

/// <summary>
/// Stores EXPIRED on active connections past their <c>valid_until</c> (reads already refuse them from that moment) and
/// queues one CONNECTION_EXPIRING webhook per validity, <see cref="ConnectionOptions.ExpiringNotice"/> before it ends.
/// Runs on the <see cref="TimeProvider"/>, so tests move time instead of waiting; safe with several instances.
/// </summary>
public sealed partial class ConnectionExpirySweep(
    IServiceScopeFactory scopes,
    IOptions<ConnectionOptions> options,
    TimeProvider clock,
    ILogger<ConnectionExpirySweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await SweepAsync(stoppingToken) > 0)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRoundFailed(logger, ex);
            }

            await Task.Delay(options.Value.SweepInterval, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>One round over at most 100 due connections; returns how many it changed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SessionDbContext>();
        var webhooks = scope.ServiceProvider.GetRequiredService<WebhookOutbox>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var warnFrom = now + options.Value.ExpiringNotice;
        var due = await db.Connections
            .FromSqlInterpolated($"SELECT * FROM connections WHERE status = {ConnectionStatus.Active} AND (valid_until <= {now} OR (expiring_notified_at IS NULL AND valid_until <= {warnFrom})) ORDER BY valid_until LIMIT 100 FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        foreach (var connection in due)
        {
            if (connection.ValidUntil <= now)
            {
                connection.Status = ConnectionStatus.Expired;
                connection.UpdatedAt = now;
                LogExpired(logger, connection.ConnectionId);
                continue;
            }

            connection.ExpiringNotifiedAt = now;
            await webhooks.EnqueueAsync(connection.ClientId, connection.SessionId, WebhookEvents.ConnectionExpiring,
                (id, at) => new ConnectionExpiringEvent(id, WebhookEvents.ConnectionExpiring, at, connection.ClientId, connection.ConnectionId, connection.SessionId, connection.ValidUntil),
                cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection sweep round failed; it runs again at the next interval")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection {ConnectionId} expired")]
    private static partial void LogExpired(ILogger logger, string connectionId);
}
