using System.Text.Json;
using Finqware.Contracts.Sessions;
using Finqware.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;
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
    SkillRegistry registry, IServiceProvider services, ConnectionRequestLedger ledger, StepCancellation cancellation, TimeProvider clock,
    ILogger<RefreshConnectionConsumer> logger)
    : IConsumer<RefreshConnection>
{
    public async Task Consume(ConsumeContext<RefreshConnection> context)
    {
        var request = context.Message;
        // Not context.CancellationToken: it is cancelled when the broker connection drops (StepCancellation).
        var cancellationToken = cancellation.Token;
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
                var refresh = await handler.RefreshAsync(request, cancellationToken);
                return refresh.ToEvent(request, clock.GetUtcNow());
            },
            answer => context.Publish(answer, answer.GetType(), cancellationToken),
            cancellationToken);
        LogRefresh(logger, request.ConnectionId, request.RequestId, ran ? "answered" : "answered again (duplicate request)");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refresh of connection {ConnectionId} ({RequestId}) {What}")]
    private static partial void LogRefresh(ILogger logger, string connectionId, Guid requestId, string what);
}

/// <summary>Receives RevokeConnection on the skill queues: runs the skill's <see cref="IConnectionHandler.RevokeAsync"/> once per <c>RequestId</c>.</summary>
public sealed partial class RevokeConnectionConsumer(
    SkillRegistry registry, IServiceProvider services, ConnectionRequestLedger ledger, StepCancellation cancellation, ILogger<RevokeConnectionConsumer> logger)
    : IConsumer<RevokeConnection>
{
    public async Task Consume(ConsumeContext<RevokeConnection> context)
    {
        var request = context.Message;
        // Not context.CancellationToken: it is cancelled when the broker connection drops (StepCancellation).
        var cancellationToken = cancellation.Token;
        var ran = await ledger.RunOnceAsync(
            request.RequestId,
            "revoke",
            async () =>
            {
                if (registry.FindConnectionHandler(request.Skill) is { } handlerType)
                {
                    await using var scope = services.CreateAsyncScope();
                    var handler = (IConnectionHandler)ActivatorUtilities.CreateInstance(scope.ServiceProvider, handlerType);
                    await handler.RevokeAsync(request, cancellationToken);
                }

                return null;
            },
            _ => Task.CompletedTask,
            cancellationToken);
        LogRevoke(logger, request.ConnectionId, request.RequestId, ran ? "revoked" : "already handled");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoke of connection {ConnectionId} ({RequestId}): {What}")]
    private static partial void LogRevoke(ILogger logger, string connectionId, Guid requestId, string what);
}

/// <summary>
/// The connection requests a connector has answered, in its own database (table <c>connection_requests</c>), so a
/// redelivered refresh or revoke is not run twice. Like the step ledger: the row is claimed in a transaction (a
/// concurrent copy waits on it, then publishes the stored answer), the handler runs, its answer is published and
/// stored, then the row commits; a process that dies mid-request rolls it back for the redelivery. Once the handler has
/// run, it is not run again: a publish the broker refuses is tried again while the claim is held, and a request the
/// database could not store is stored from a new connection once it answers (both for
/// <see cref="ConnectorOptions.OutcomeRetryFor"/>), while a copy that reaches this instance meanwhile waits for it
/// (<see cref="InHand"/>). A refresh run twice would count twice against the user's unattended reads at the bank (four
/// a day under PSD2).
/// </summary>
public sealed partial class ConnectionRequestLedger(
    NpgsqlDataSource dataSource, IOptions<ConnectorOptions>? options = null, ILogger<ConnectionRequestLedger>? logger = null)
{
    private readonly InHand inHand = new();

    public async Task<bool> RunOnceAsync(
        Guid requestId, string kind, Func<Task<object?>> handle, Func<object, Task> publish, CancellationToken cancellationToken)
    {
        using var lease = await inHand.EnterAsync(requestId, cancellationToken);
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
        var retryFor = options?.Value.OutcomeRetryFor ?? new ConnectorOptions().OutcomeRetryFor;
        if (answer is not null)
        {
            await AfterRun.RetryAsync(
                () => publish(answer),
                retryFor,
                logger is null ? null : (attempt, delay, reason) => LogPublishRetry(logger, kind, requestId, attempt, delay, reason),
                cancellationToken);
        }

        if (!await TrySaveAsync(connection, transaction, requestId, answer, cancellationToken))
        {
            await AfterRun.RetryAsync(
                () => StoreAgainAsync(requestId, kind, answer, cancellationToken),
                retryFor,
                logger is null ? null : (attempt, delay, reason) => LogStoreRetry(logger, kind, requestId, attempt, delay, reason),
                cancellationToken);
        }

        return true;
    }

    /// <summary>Stores the answer (if any) and commits the claim; false when the database went away meanwhile.</summary>
    private static async Task<bool> TrySaveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid requestId, object? answer, CancellationToken cancellationToken)
    {
        try
        {
            if (answer is not null)
            {
                await using var save = new NpgsqlCommand("UPDATE connection_requests SET answer_type = @type, answer = @answer::jsonb WHERE request_id = @id", connection, transaction);
                AddAnswer(save, requestId, answer);
                await save.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (TransientFailure.Is(ex) && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The handler ran but its claim was lost with its connection: the request is stored from a new one (a row found there already is kept).</summary>
    private async Task StoreAgainAsync(Guid requestId, string kind, object? answer, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var store = new NpgsqlCommand(
            "INSERT INTO connection_requests (request_id, kind, answer_type, answer) VALUES (@id, @kind, @type, @answer::jsonb) ON CONFLICT (request_id) DO NOTHING",
            connection);
        store.Parameters.AddWithValue("kind", kind);
        if (answer is null)
        {
            store.Parameters.AddWithValue("id", requestId);
            store.Parameters.AddWithValue("type", DBNull.Value);
            store.Parameters.AddWithValue("answer", DBNull.Value);
        }
        else
        {
            AddAnswer(store, requestId, answer);
        }

        await store.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddAnswer(NpgsqlCommand command, Guid requestId, object answer)
    {
        command.Parameters.AddWithValue("id", requestId);
        command.Parameters.AddWithValue("type", answer.GetType().Name);
        command.Parameters.AddWithValue("answer", JsonSerializer.Serialize(answer, answer.GetType(), Json));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection {Kind} {RequestId} ran, but publishing its answer failed (attempt {Attempt}): trying again in {Delay} while holding its claim. {Reason}")]
    private static partial void LogPublishRetry(ILogger logger, string kind, Guid requestId, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection {Kind} {RequestId} ran, but storing it failed (attempt {Attempt}): trying again in {Delay} from a new connection. {Reason}")]
    private static partial void LogStoreRetry(ILogger logger, string kind, Guid requestId, int attempt, TimeSpan delay, string reason);

    private static readonly Type[] AnswerTypes = [typeof(ConnectionDataSynced), typeof(ConnectionRefreshFailed)];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
