using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Finqware.ServiceDefaults.Data.Idempotency;

/// <summary>Deletes expired keys every <see cref="IdempotencyOptions.SweepInterval"/> (any instance may: the deletes do not clash).</summary>
public sealed partial class IdempotencySweeper(IdempotencyStore store, IOptions<IdempotencyOptions> options, ILogger<IdempotencySweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                while (await store.SweepAsync(stoppingToken) == 1000)
                {
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expired idempotency keys could not be deleted; the next sweep tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
