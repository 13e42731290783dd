using Microsoft.Extensions.Options;
using Npgsql;

namespace Finqware.TenantService.Usage;

/// <summary>Deletes raw usage events older than <see cref="UsageStoreOptions.RawRetention"/>; the aggregates stay.</summary>
public sealed partial class UsageRetentionSweeper(NpgsqlDataSource dataSource, IOptions<UsageStoreOptions> options, ILogger<UsageRetentionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var command = dataSource.CreateCommand("DELETE FROM usage_events WHERE recorded_at < now() - $1");
                command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = options.Value.RawRetention });
                await command.ExecuteNonQueryAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogSweepFailed(logger, ex);
            }

            await Task.Delay(options.Value.SweepInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting old raw usage events failed; the next round tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
