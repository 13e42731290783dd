using Npgsql;

namespace Finqware.SessionService.Sessions;

/// <summary>
/// Holds one connection of its own to sessiondb that <c>LISTEN</c>s on <see cref="Channel"/>, where a trigger on
/// <c>sessions</c> and <c>steps</c> notifies every commit that changed a session or a step (payload: the session id,
/// then the step id if a step changed), and relays each to <see cref="SessionChanges"/>: a long-poll or an event
/// stream in this instance wakes whichever instance applied the change. PostgreSQL sends a notification only when its
/// transaction commits, so a woken waiter always reads the change. A lost connection is opened again; meanwhile the
/// waiters poll (<see cref="SessionChanges.Window"/>).
/// </summary>
public sealed partial class SessionChangeListener(
    NpgsqlDataSource dataSource, SessionChanges changes, ILogger<SessionChangeListener> logger) : BackgroundService
{
    /// <summary>The notification channel the trigger writes to.</summary>
    public const string Channel = "session_changes";

    /// <summary>How long the connection may stay silent before a round trip checks that it is still there.</summary>
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                changes.Listening(false);
                LogLost(logger, RetryAfter, ex.Message);
                await Task.Delay(RetryAfter, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        changes.Listening(false);
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        connection.Notification += (_, e) => Relay(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        changes.Listening(true);
        LogListening(logger, Channel);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!await connection.WaitAsync(Idle, stoppingToken))
            {
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteNonQueryAsync(stoppingToken);
            }
        }
    }

    private void Relay(string payload)
    {
        var parts = payload.Split(' ');
        if (Guid.TryParse(parts[0], out var sessionId))
        {
            changes.Changed(sessionId, parts.Length > 1 && Guid.TryParse(parts[1], out var stepId) ? stepId : null);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for session changes on {Channel}: long-polls and event streams wake at every instance's commits")]
    private static partial void LogListening(ILogger logger, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the session-change listener's connection; waiters poll until it is back (trying again in {RetryAfter}). {Reason}")]
    private static partial void LogLost(ILogger logger, TimeSpan retryAfter, string reason);
}
