using Npgsql;

namespace Finqware.SessionService.RequestLog;

/// <summary>
/// Writes the <see cref="ActivityLog"/>'s requests into <c>api_requests</c> every second, up to 1,000 in one statement,
/// attributed to their tenant: the caller's credential, else the tenant of the session (or of the step's session) the
/// request named, so a client app's requests (credentials in the body) are its tenant's too. A request that names
/// neither is no tenant's and is not kept. Once an hour it deletes what is older than <see cref="ActivityLog.Retention"/>.
/// </summary>
public sealed partial class ActivityWriter(ActivityLog log, NpgsqlDataSource dataSource, TimeProvider clock, ILogger<ActivityWriter> logger) : BackgroundService
{
    private const int BatchSize = 1000;

    private const string InsertSql = """
        INSERT INTO api_requests (id, client_id, at, method, route, status, latency_ms, trace_id, session_id, connection_id)
        SELECT i.id, coalesce(i.client_id, s.client_id), i.at, i.method, i.route, i.status, i.latency_ms, i.trace_id, coalesce(i.session_id, st.session_id), i.connection_id
        FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::int[], $6::float8[], $7::text[], $8::text[], $9::uuid[], $10::uuid[], $11::text[])
            AS i(id, at, method, route, status, latency_ms, trace_id, client_id, session_id, step_id, connection_id)
        LEFT JOIN steps st ON st.id = i.step_id
        LEFT JOIN sessions s ON s.id = coalesce(i.session_id, st.session_id)
        WHERE coalesce(i.client_id, s.client_id) IS NOT NULL
        ON CONFLICT (id) DO NOTHING
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var swept = DateTimeOffset.MinValue;
        var pending = new List<ApiRequest>();
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            try
            {
                do
                {
                    if (pending.Count == 0)
                    {
                        pending = log.Take(BatchSize);
                    }

                    if (pending.Count > 0)
                    {
                        await WriteAsync(pending, CancellationToken.None);
                    }

                    var written = pending.Count;
                    pending = [];
                    if (written < BatchSize)
                    {
                        break;
                    }
                }
                while (!stoppingToken.IsCancellationRequested);

                if (clock.GetUtcNow() - swept > TimeSpan.FromHours(1))
                {
                    await using var sweep = dataSource.CreateCommand("DELETE FROM api_requests WHERE at < $1");
                    sweep.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() - ActivityLog.Retention });
                    await sweep.ExecuteNonQueryAsync(stoppingToken);
                    swept = clock.GetUtcNow();
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The database is away: the batch is kept (pending) and written next round.
                LogWriteFailed(logger, ex);
            }
        }
    }

    private async Task WriteAsync(List<ApiRequest> batch, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(InsertSql);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. batch.Select(r => r.Id)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. batch.Select(r => r.At)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(r => r.Method)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(r => r.Route)] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. batch.Select(r => r.Status)] });
        command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. batch.Select(r => r.LatencyMs)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. batch.Select(r => r.TraceId)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. batch.Select(r => r.ClientId)] });
        command.Parameters.Add(new NpgsqlParameter<Guid?[]> { TypedValue = [.. batch.Select(r => r.SessionId)] });
        command.Parameters.Add(new NpgsqlParameter<Guid?[]> { TypedValue = [.. batch.Select(r => r.StepId)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. batch.Select(r => r.ConnectionId)] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the activity log failed; the batch is written next round")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception);
}
