using Finqware.ServiceDefaults.Problems;
using Finqware.SessionService.Access;
using Finqware.SessionService.Accounts;
using Finqware.SessionService.Connections;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Transactions;

/// <summary>
/// <c>POST /transactions/sync</c>, the Plaid-style sync of a connection's transactions: what changed since a cursor
/// (added, modified: a pending one that booked, removed), so that a pending transaction that books is matched, not
/// duplicated. The list of an account's transactions is <c>GET /accounts/{account_id}/transactions</c> (<see cref="AccountsApi"/>).
/// </summary>
public static class TransactionsApi
{
    public static IEndpointRouteBuilder MapTransactionsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/transactions").WithTags("Accounts").RequireServer(AccessRefusal.ConsentedData)
            .MapPost("/sync", SyncAsync).WithName("SyncTransactions").MeteredAs("transactions")
            .WithSummary("Sync a connection's transactions")
            .WithDescription("What changed since a cursor: added, modified (a pending one that booked, matched by id), removed; then "
                + "next_cursor and has_more. Start without a cursor.")
            .Problems(StatusCodes.Status400BadRequest, "INVALID_CURSOR")
            .Problems(StatusCodes.Status403Forbidden, "CONNECTION_REVOKED", "CONNECTION_EXPIRED")
            .Problems(StatusCodes.Status404NotFound, "CONNECTION_NOT_FOUND")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        return app;
    }

    public static async Task<Results<Ok<SyncResponse>, ProblemHttpResult>> SyncAsync(
        SyncRequest request, Caller caller, SessionDbContext db, DataReads reads, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.ConnectionId))
        {
            return DataErrors.Invalid("connection_id", "is required.");
        }

        if (request.Count is < 1 or > AccountsApi.MaxLimit)
        {
            return DataErrors.Invalid("count", $"must be from 1 to {AccountsApi.MaxLimit}.");
        }

        if (await ConnectionsApi.FindAsync(db, caller.ClientId, request.ConnectionId, cancellationToken) is not { } connection)
        {
            return DataErrors.ConnectionNotFound();
        }

        if (DataErrors.Unreadable(connection, clock.GetUtcNow()) is { } refused)
        {
            return refused;
        }

        reads.Read(connection);
        long since = 0;
        if (!string.IsNullOrEmpty(request.Cursor) && (!Cursors.TryReadSync(request.Cursor, connection.Id, out since) || since > connection.ChangeSeq))
        {
            return DataErrors.InvalidCursor();
        }

        // Every change took the next number of the connection's counter, under the connection's lock and in the
        // transaction that made it: a reader sees all of one sync's changes or none, and never a gap filled later.
        var count = request.Count ?? AccountsApi.DefaultLimit;
        var rows = await db.Transactions.AsNoTracking()
            .Where(t => t.ConnectionKey == connection.Id && t.Seq > since)
            .OrderBy(t => t.Seq).Take(count + 1).ToListAsync(cancellationToken);
        var hasMore = rows.Count > count;
        var page = rows.Take(count).ToList();
        List<TransactionView> added = [], modified = [];
        List<RemovedTransaction> removed = [];
        foreach (var row in page)
        {
            if (row.AddedSeq > since)
            {
                // New to this client: its latest state is an addition (or nothing, when it is already gone again).
                if (!row.Removed)
                {
                    added.Add(row.ToView());
                }
            }
            else if (row.Removed)
            {
                removed.Add(new RemovedTransaction(row.TransactionId, row.AccountId));
            }
            else
            {
                modified.Add(row.ToView());
            }
        }

        var next = Cursors.ForSync(connection.Id, page.Count > 0 ? page[^1].Seq : since);
        return TypedResults.Ok(new SyncResponse(added, modified, removed, next, hasMore));
    }
}
