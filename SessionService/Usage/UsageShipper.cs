using Finqware.Contracts.Usage;
using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Usage;

/// <summary>
/// Moves captured usage into the outbox. The database captures every metered change into <c>usage_events</c> in the
/// transaction that makes it (triggers on sessions, steps and attachments: migration <c>UsageEvents</c>), whichever of
/// the service's writers makes it. Every <see cref="UsageOptions.ShipInterval"/> this takes a batch of those rows
/// (<c>FOR UPDATE SKIP LOCKED</c>, so several instances share the work), deletes them and writes one
/// <see cref="UsageRecorded"/> to the outbox, all in one transaction: each event leaves this database exactly once, and
/// the outbox relay publishes it at the commit. One message per batch, not per unit, keeps metering off the cost of a
/// session open (docs/benchmarks.md).
/// </summary>
public sealed partial class UsageShipper(
    IServiceScopeFactory scopes,
    IOptions<UsageOptions> options,
    ILogger<UsageShipper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(options.Value.ShipInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            try
            {
                while (await ShipAsync(stoppingToken) >= options.Value.BatchSize)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database is away: the rows stay, and the next round ships them.
                LogShipFailed(logger, ex);
            }
        }
    }

    /// <summary>Ships one batch; returns how many events it carried.</summary>
    public async Task<int> ShipAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SessionDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var rows = await db.Database.SqlQuery<UsageRow>($"""
            DELETE FROM usage_events WHERE id IN (
                SELECT id FROM usage_events ORDER BY occurred_at LIMIT {options.Value.BatchSize} FOR UPDATE SKIP LOCKED)
            RETURNING id, client_id, skill, unit, quantity, occurred_at
            """).ToListAsync(cancellationToken);
        if (rows.Count == 0)
        {
            return 0;
        }

        db.PublishOnCommit(new UsageRecorded
        {
            Events = [.. rows.Select(r => new UsageEvent { Id = r.Id, ClientId = r.ClientId, Skill = r.Skill, Unit = r.Unit, Quantity = r.Quantity, OccurredAt = r.OccurredAt })],
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }

    // Columns map by the context's snake_case convention.
    private sealed record UsageRow(string Id, string ClientId, string Skill, string Unit, long Quantity, DateTimeOffset OccurredAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shipping usage failed; the events stay and the next round ships them")]
    private static partial void LogShipFailed(ILogger logger, Exception exception);
}
