using Finqware.Contracts.Sessions;
using Finqware.ServiceDefaults.Data;
using Finqware.SessionService.Infrastructure;
using MassTransit;

namespace Finqware.SessionService.Connections;

/// <summary>Records a refresh the bank refused as the connection's <c>last_refresh_error</c>; the connection keeps its last data.</summary>
public sealed partial class ConnectionRefreshFailedConsumer(SessionDbContext db, TimeProvider clock, ILogger<ConnectionRefreshFailedConsumer> logger) : IConsumer<ConnectionRefreshFailed>
{
    /// <summary>Its queue; each message handled once, in one transaction with its inbox row.</summary>
    public sealed class Definition() : InboxConsumerDefinition<ConnectionRefreshFailedConsumer, SessionDbContext>("sessions-connection-refresh-failed");

    public async Task Consume(ConsumeContext<ConnectionRefreshFailed> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        DataEventSupport.Require(DataEventSupport.IsId(message.ConnectionId) && DataEventSupport.IsId(message.ClientId, 64) && DataEventSupport.IsId(message.Code, 64),
            "ConnectionRefreshFailed needs connection_id, client_id and a code of at most 64 characters.");

        var connection = await ConnectionsApi.LockAsync(db, message.ClientId, message.ConnectionId, cancellationToken);
        if (connection is null)
        {
            LogUnknown(logger, message.ConnectionId);
        }
        else if (!(message.At < connection.LastRefreshErrorAt || message.At < connection.LastSyncedAt))
        {
            // Only the newest outcome counts: a failure older than the last sync or error says nothing new.
            connection.LastRefreshErrorCode = message.Code;
            connection.LastRefreshErrorMessage = DataEventSupport.Clip(message.Message, 1000);
            connection.LastRefreshErrorAt = message.At;
            connection.UpdatedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
            LogFailed(logger, connection.ConnectionId, message.Code);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ConnectionRefreshFailed for unknown connection {ConnectionId} ignored")]
    private static partial void LogUnknown(ILogger logger, string connectionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refresh of connection {ConnectionId} failed: {Code}")]
    private static partial void LogFailed(ILogger logger, string connectionId, string code);
}
