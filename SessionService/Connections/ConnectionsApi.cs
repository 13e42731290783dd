using System.ComponentModel.DataAnnotations;
using Finqware.ServiceDefaults.Problems;
using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using Finqware.SessionService.Access;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Connections;

/// <summary>The tenant server's view of its users' consents (docs/data-api.md): list, read, revoke, refresh.</summary>
public static partial class ConnectionsApi
{
    public const string RefreshRequested = "REFRESH_REQUESTED";

    public static IEndpointRouteBuilder MapConnectionsApi(this IEndpointRouteBuilder app)
    {
        var connections = app.MapGroup("/connections").WithTags("Connections").RequireServer(AccessRefusal.ConsentedData).MeteredAs("connections");
        connections.MapGet("/", ListAsync).WithName("ListConnections")
            .WithSummary("List the tenant's connections")
            .WithDescription("The consents completed sessions produced, newest first, with their accounts; ?status=ACTIVE|EXPIRED|REVOKED.")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        connections.MapGet("/{connection_id}", GetAsync).WithName("GetConnection")
            .WithSummary("Get a connection")
            .WithDescription("Status, valid_until, last sync and refresh error, accounts. Answers for revoked and expired connections too.")
            .Problems(StatusCodes.Status404NotFound, "CONNECTION_NOT_FOUND");
        connections.MapDelete("/{connection_id}", RevokeAsync).WithName("RevokeConnection")
            .WithSummary("Revoke a connection")
            .WithDescription("Its data is no longer readable, and the connector revokes the consent at the bank. Idempotent.")
            .Problems(StatusCodes.Status404NotFound, "CONNECTION_NOT_FOUND");
        connections.MapPost("/{connection_id}/refresh", RefreshAsync).WithName("RefreshConnection")
            .WithSummary("Refresh a connection's data")
            .WithDescription("Asks the connector to read the bank again; the new data arrives asynchronously (TRANSACTIONS_UPDATED webhook).")
            .Problems(StatusCodes.Status403Forbidden, "CONNECTION_REVOKED", "CONNECTION_EXPIRED")
            .Problems(StatusCodes.Status404NotFound, "CONNECTION_NOT_FOUND");
        return app;
    }

    public static async Task<Results<Ok<ConnectionList>, ProblemHttpResult>> ListAsync(
        [FromQuery(Name = "status"), AllowedValues("ACTIVE", "EXPIRED", "REVOKED")] string? status, Caller caller, SessionDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (status is not null && !ConnectionStatus.All.Contains(status))
        {
            return DataErrors.Invalid("status", $"must be one of {string.Join(", ", ConnectionStatus.All)}.");
        }

        var now = clock.GetUtcNow();
        var connections = await db.Connections.AsNoTracking().Where(c => c.ClientId == caller.ClientId)
            .OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Id).ToListAsync(cancellationToken);
        connections = [.. connections.Where(c => status is null || c.EffectiveStatus(now) == status)];
        var keys = connections.Select(c => c.Id).ToList();
        var accounts = (await db.Accounts.AsNoTracking().Where(a => keys.Contains(a.ConnectionKey)).ToListAsync(cancellationToken)).ToLookup(a => a.ConnectionKey);
        return TypedResults.Ok(new ConnectionList([.. connections.Select(c => c.ToView(accounts[c.Id], now))]));
    }

    public static async Task<Results<Ok<ConnectionView>, ProblemHttpResult>> GetAsync(
        [FromRoute(Name = "connection_id"), MaxLength(128)] string connectionId, Caller caller, SessionDbContext db, DataReads reads, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, caller.ClientId, connectionId, cancellationToken) is not { } connection)
        {
            return DataErrors.ConnectionNotFound();
        }

        reads.About(connection.Skill);

        var accounts = await db.Accounts.AsNoTracking().Where(a => a.ConnectionKey == connection.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(connection.ToView(accounts, clock.GetUtcNow()));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        [FromRoute(Name = "connection_id"), MaxLength(128)] string connectionId,
        Caller caller,
        SessionDbContext db,
        DataReads reads,
        TimeProvider clock,
        ILogger<Connection> logger,
        CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = await LockAsync(db, caller.ClientId, connectionId, cancellationToken);
        if (connection is null)
        {
            return DataErrors.ConnectionNotFound();
        }

        reads.About(connection.Skill);
        if (connection.Status != ConnectionStatus.Revoked)
        {
            var now = clock.GetUtcNow();
            connection.Status = ConnectionStatus.Revoked;
            connection.RevokedAt = now;
            connection.UpdatedAt = now;
            db.SendOnCommit(SkillQueues.For(connection.Skill), new RevokeConnection
            {
                RequestId = Guid.CreateVersion7(),
                ConnectionId = connection.ConnectionId,
                ClientId = connection.ClientId,
                Skill = connection.Skill,
                RequestedAt = now,
            });
            await db.SaveChangesAsync(cancellationToken);
            LogRevoked(logger, connection.ConnectionId, connection.ClientId);
        }

        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Accepted<RefreshAccepted>, ProblemHttpResult>> RefreshAsync(
        [FromRoute(Name = "connection_id"), MaxLength(128)] string connectionId, Caller caller, SessionDbContext db, DataReads reads, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, caller.ClientId, connectionId, cancellationToken) is not { } connection)
        {
            return DataErrors.ConnectionNotFound();
        }

        reads.About(connection.Skill);

        var now = clock.GetUtcNow();
        if (DataErrors.Unreadable(connection, now) is { } refused)
        {
            return refused;
        }

        var requestId = Guid.CreateVersion7();
        db.SendOnCommit(SkillQueues.For(connection.Skill), new RefreshConnection
        {
            RequestId = requestId,
            ConnectionId = connection.ConnectionId,
            SessionId = connection.SessionId,
            ClientId = connection.ClientId,
            Skill = connection.Skill,
            RequestedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted($"/connections/{Uri.EscapeDataString(connection.ConnectionId)}", new RefreshAccepted(connection.ConnectionId, requestId, RefreshRequested));
    }

    /// <summary>The tenant's connection with this id, or null (also for another tenant's and for ids no connector issues).</summary>
    public static Task<Connection?> FindAsync(SessionDbContext db, string clientId, string? connectionId, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(connectionId) || connectionId.Length > 128
            ? Task.FromResult<Connection?>(null)
            : db.Connections.AsNoTracking().FirstOrDefaultAsync(c => c.ClientId == clientId && c.ConnectionId == connectionId, cancellationToken);

    /// <summary>The same, locked for update in the caller's transaction: changes to one connection are applied one at a time.</summary>
    public static Task<Connection?> LockAsync(SessionDbContext db, string clientId, string connectionId, CancellationToken cancellationToken) =>
        connectionId.Length > 128
            ? Task.FromResult<Connection?>(null)
            : db.Connections.FromSqlInterpolated($"SELECT * FROM connections WHERE client_id = {clientId} AND connection_id = {connectionId} FOR UPDATE")
                .FirstOrDefaultAsync(cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection {ConnectionId} of {ClientId} revoked")]
    private static partial void LogRevoked(ILogger logger, string connectionId, string clientId);
}
