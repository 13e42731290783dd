using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Steps;
using Finqware.SessionService.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Finqware.SessionService.Sessions;

/// <summary>
/// Expires sessions nobody reads any more: every <see cref="SessionExpiryOptions.ExpirySweepInterval"/> the sessions
/// past <c>expires_at</c> that wait for their user (no step with a connector or the bank) become <c>EXPIRED</c>.
/// Rows are claimed with <c>FOR UPDATE SKIP LOCKED</c>, so several instances sweep without meeting.
/// </summary>
public sealed partial class SessionExpirySweeper(
    IServiceScopeFactory scopes,
    IOptions<SessionExpiryOptions> options,
    TimeProvider clock,
    ILogger<SessionExpirySweeper> logger) : BackgroundService
{
    private static readonly string[] WithConnector = [StepStatus.Submitted, StepStatus.Processing, StepStatus.ActionRequired, StepStatus.PendingVerification];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(options.Value.ExpirySweepInterval, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            try
            {
                while (await SweepAsync(stoppingToken) >= options.Value.ExpiryBatchSize)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database is away: the next round tries again.
                LogSweepFailed(logger, ex);
            }
        }
    }

    /// <summary>Expires one batch of due sessions; returns how many expired.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SessionDbContext>();
        var webhooks = scope.ServiceProvider.GetRequiredService<WebhookOutbox>();
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The open-sessions filter is written out (not a parameter), so the planner scans the partial index of open
        // sessions by expires_at instead of every session ever opened.
        var ids = await db.Database.SqlQueryRaw<Guid>($"""
            SELECT s.id AS "Value" FROM sessions s
            WHERE s.{SessionStatus.OpenSql} AND s.expires_at <= @now
              AND NOT EXISTS (SELECT 1 FROM steps t WHERE t.session_id = s.id AND t.status = ANY(@with_connector))
            ORDER BY s.expires_at
            LIMIT @batch
            FOR UPDATE OF s SKIP LOCKED
            """,
            new NpgsqlParameter("now", now),
            new NpgsqlParameter("with_connector", WithConnector),
            new NpgsqlParameter("batch", options.Value.ExpiryBatchSize)).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return 0;
        }

        var sessions = await db.Sessions.Where(s => ids.Contains(s.Id)).Include(s => s.Steps).AsSplitQuery().ToListAsync(cancellationToken);
        var expired = 0;
        foreach (var session in sessions)
        {
            if (await SessionExpiry.ExpireIfDueAsync(session, webhooks, now, cancellationToken))
            {
                expired++;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogSwept(logger, expired);
        return expired;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} sessions past their expiry are now EXPIRED")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The session expiry sweep failed; the next round tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
