using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Finqware.ServiceDefaults.Data;

/// <summary>Applies one database's pending migrations, waiting for the server first.</summary>
internal interface IDatabaseMigrator
{
    Task MigrateAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Waits for PostgreSQL (the AppHost or an orchestrator may start it at the same time) and applies migrations
/// before the host starts serving: a hosted service's StartAsync runs before Kestrel accepts requests.
/// Concurrent instances are safe: EF Core 9+ takes a migration lock.
/// </summary>
internal sealed partial class DatabaseMigrator<TContext>(
    IServiceProvider services,
    IOptions<DatabaseStartupOptions> options,
    ILogger<DatabaseMigrator<TContext>> logger) : IHostedService, IDatabaseMigrator
    where TContext : DbContext
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.MigrateOnStart ? MigrateAsync(cancellationToken) : Task.CompletedTask;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<TContext>();
                await db.Database.MigrateAsync(cancellationToken);
                LogMigrated(logger, typeof(TContext).Name, attempt, started.ElapsedMilliseconds);
                return;
            }
            catch (Exception ex) when (IsTransient(ex) && started.Elapsed < options.Value.StartupTimeout)
            {
                LogWaiting(logger, typeof(TContext).Name, attempt, ex.Message);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static bool IsTransient(Exception ex) => ex switch
    {
        NpgsqlException { IsTransient: true } => true,
        // 3D000: the database does not exist yet (the app host creates it); 57P03: the server is starting.
        PostgresException { SqlState: "3D000" or "57P03" } => true,
        NpgsqlException { InnerException: System.Net.Sockets.SocketException or TimeoutException } => true,
        InvalidOperationException { InnerException: { } inner } => IsTransient(inner),
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "{Context}: database migrated after {Attempts} attempt(s) in {ElapsedMs} ms")]
    private static partial void LogMigrated(ILogger logger, string context, int attempts, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Context}: database not reachable yet (attempt {Attempt}): {Reason}")]
    private static partial void LogWaiting(ILogger logger, string context, int attempt, string reason);
}
