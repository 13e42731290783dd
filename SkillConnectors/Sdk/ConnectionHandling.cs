using System.Text.Json;
using Finqware.Contracts.Sessions;
using MassTransit;
using Npgsql;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>
/// Serves the data APIs' commands for a skill's connections (consents): <see cref="RefreshConnection"/> and
/// <see cref="RevokeConnection"/>, sent by SessionService to the skill's queue. Register one per skill with
/// <c>AddSkill(manifest).HandleConnections&lt;THandler&gt;()</c>; a new instance per command, from DI.
/// The SDK runs each request once (by <c>RequestId</c>) and publishes the refresh's answer.
/// </summary>
public interface IConnectionHandler
{
    /// <summary>Fetches the connection's data again: <see cref="ConnectionRefresh.Synced"/> or <see cref="ConnectionRefresh.Failed"/>.</summary>
    Task<ConnectionRefresh> RefreshAsync(RefreshConnection request, CancellationToken cancellationToken);

    /// <summary>Revokes the consent at the bank; revoking twice is not an error.</summary>
    Task RevokeAsync(RevokeConnection request, CancellationToken cancellationToken);
}

/// <summary>What a refresh produced: fresh data, or the bank's refusal with a stable UPPER_SNAKE code.</summary>
public sealed record ConnectionRefresh
{
    private ConnectionRefresh()
    {
    }

    public ConnectionDataSynced? Data { get; private init; }

    public string? Code { get; private init; }

    public string? Message { get; private init; }

    public static ConnectionRefresh Synced(ConnectionDataSynced data) => new() { Data = data };

    /// <summary>E.g. CONSENT_EXPIRED, CONSENT_REVOKED_AT_BANK, CONNECTION_NOT_FOUND.</summary>
    public static ConnectionRefresh Failed(string code, string message) => new() { Code = code, Message = message };

    /// <summary>The event that answers <paramref name="request"/>: ConnectionDataSynced or ConnectionRefreshFailed.</summary>
    public object ToEvent(RefreshConnection request, DateTimeOffset at) => Data is { } data
        ? data
        : new ConnectionRefreshFailed
        {
            RequestId = request.RequestId,
            ConnectionId = request.ConnectionId,
            ClientId = request.ClientId,
            Code = Code!,
            Message = Message!,
            At = at,
        };
}

/// <summary>
/// Receives RefreshConnection on the skill queues: runs the skill's <see cref="IConnectionHandler"/> once per
/// <c>RequestId</c> and publishes its answer (a redelivered request publishes the stored answer again).
/// </summary>
public sealed partial class RefreshConnectionConsumer(
    SkillRegistry registry, IServiceProvider services, ConnectionRequestLedger ledger, TimeProvider clock, ILogger<RefreshConnectionConsumer> logger)
    : IConsumer<RefreshConnection>
{
    public async Task Consume(ConsumeContext<RefreshConnection> context)
    {
        var request = context.Message;
        var ran = await ledger.RunOnceAsync(
            request.RequestId,
            "refresh",
            async () =>
            {
                if (registry.FindConnectionHandler(request.Skill) is not { } handlerType)
                {
                    return ConnectionRefresh.Failed("REFRESH_NOT_SUPPORTED", $"The connector of {request.Skill} does not refresh connections.").ToEvent(request, clock.GetUtcNow());
                }

                await using var scope = services.CreateAsyncScope();
                var handler = (IConnectionHandler)ActivatorUtilities.CreateInstance(scope.ServiceProvider, handlerType);
                var refresh = await handler.RefreshAsync(request, context.CancellationToken);
                return refresh.ToEvent(request, clock.GetUtcNow());
            },
            answer => context.Publish(answer, answer.GetType(), context.CancellationToken),
            context.CancellationToken);
        LogRefresh(logger, request.ConnectionId, request.RequestId, ran ? "answered" : "answered again (duplicate request)");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refresh of connection {ConnectionId} ({RequestId}) {What}")]
    private static partial void LogRefresh(ILogger logger, string connectionId, Guid requestId, string what);
}

/// <summary>Receives RevokeConnection on the skill queues: runs the skill's <see cref="IConnectionHandler.RevokeAsync"/> once per <c>RequestId</c>.</summary>
public sealed partial class RevokeConnectionConsumer(
    SkillRegistry registry, IServiceProvider services, ConnectionRequestLedger ledger, ILogger<RevokeConnectionConsumer> logger)
    : IConsumer<RevokeConnection>
{
    public async Task Consume(ConsumeContext<RevokeConnection> context)
    {
        var request = context.Message;
        var ran = await ledger.RunOnceAsync(
            request.RequestId,
            "revoke",
            async () =>
            {
                if (registry.FindConnectionHandler(request.Skill) is { } handlerType)
                {
                    await using var scope = services.CreateAsyncScope();
                    var handler = (IConnectionHandler)ActivatorUtilities.CreateInstance(scope.ServiceProvider, handlerType);
                    await handler.RevokeAsync(request, context.CancellationToken);
                }

                return null;
            },
            _ => Task.CompletedTask,
            context.CancellationToken);
        LogRevoke(logger, request.ConnectionId, request.RequestId, ran ? "revoked" : "already handled");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoke of connection {ConnectionId} ({RequestId}): {What}")]
    private static partial void LogRevoke(ILogger logger, string connectionId, Guid requestId, string what);
}

/// <summary>
/// The connection requests a connector has answered, in its own database (table <c>connection_requests</c>), so a
/// redelivered refresh or revoke is not run twice. Like the step ledger: the row is claimed in a transaction, the
/// handler runs, its answer is published and stored, then the row commits; a crash rolls it back for the redelivery.
/// </summary>
public sealed class ConnectionRequestLedger(NpgsqlDataSource dataSource)
{
    public async Task<bool> RunOnceAsync(
        Guid requestId, string kind, Func<Task<object?>> handle, Func<object, Task> publish, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var claim = new NpgsqlCommand(
            "INSERT INTO connection_requests (request_id, kind) VALUES (@id, @kind) ON CONFLICT (request_id) DO NOTHING", connection, transaction))
        {
            claim.Parameters.AddWithValue("id", requestId);
            claim.Parameters.AddWithValue("kind", kind);
            if (await claim.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                await using var read = new NpgsqlCommand("SELECT answer_type, answer::text FROM connection_requests WHERE request_id = @id", connection, transaction);
                read.Parameters.AddWithValue("id", requestId);
                await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
                {
                    if (await reader.ReadAsync(cancellationToken) && !await reader.IsDBNullAsync(0, cancellationToken)
                        && AnswerTypes.FirstOrDefault(t => t.Name == reader.GetString(0)) is { } type)
                    {
                        var stored = JsonSerializer.Deserialize(reader.GetString(1), type, Json)!;
                        await reader.CloseAsync();
                        await publish(stored);
                    }
                }

                await transaction.CommitAsync(cancellationToken);
                return false;
            }
        }

        var answer = await handle();
        if (answer is not null)
        {
            await using var save = new NpgsqlCommand("UPDATE connection_requests SET answer_type = @type, answer = @answer::jsonb WHERE request_id = @id", connection, transaction);
            save.Parameters.AddWithValue("id", requestId);
            save.Parameters.AddWithValue("type", answer.GetType().Name);
            save.Parameters.AddWithValue("answer", JsonSerializer.Serialize(answer, answer.GetType(), Json));
            await save.ExecuteNonQueryAsync(cancellationToken);
            await publish(answer);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static readonly Type[] AnswerTypes = [typeof(ConnectionDataSynced), typeof(ConnectionRefreshFailed)];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
