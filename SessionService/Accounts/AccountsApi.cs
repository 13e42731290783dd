using System.ComponentModel.DataAnnotations;
using Finqware.ServiceDefaults.Problems;
using System.Globalization;
using Finqware.SessionService.Access;
using Finqware.SessionService.Connections;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Transactions;
using Finqware.SessionService.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Accounts;

/// <summary>Accounts, balances and transactions of the tenant's active connections (the transactions sync is <c>TransactionsApi</c>).</summary>
public static class AccountsApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/accounts").WithTags("Accounts").RequireServer(AccessRefusal.ConsentedData);
        accounts.MapGet("/", ListAsync).WithName("ListAccounts").MeteredAs("accounts")
            .WithSummary("List accounts")
            .WithDescription("Accounts of the tenant's active connections; ?connection_id= for one connection.")
            .Problems(StatusCodes.Status403Forbidden, "CONNECTION_REVOKED", "CONNECTION_EXPIRED")
            .Problems(StatusCodes.Status404NotFound, "CONNECTION_NOT_FOUND");
        var account = accounts.MapGroup("/{account_id}")
            .Problems(StatusCodes.Status403Forbidden, "CONNECTION_REVOKED", "CONNECTION_EXPIRED")
            .Problems(StatusCodes.Status404NotFound, "ACCOUNT_NOT_FOUND");
        account.MapGet("/", GetAsync).WithName("GetAccount").MeteredAs("accounts")
            .WithSummary("Get an account")
            .WithDescription("One account of an active connection: IBAN, name, kind, currency.");
        account.MapGet("/balances", GetBalancesAsync).WithName("GetBalances").MeteredAs("balances")
            .WithSummary("Get an account's balances")
            .WithDescription("The balances as of the last sync (Berlin Group balance types such as closingBooked, interimAvailable).");
        account.MapGet("/transactions", ListTransactionsAsync).WithName("ListTransactions").MeteredAs("transactions")
            .WithSummary("List an account's transactions")
            .WithDescription("Newest first (booking_date, then id, descending); ?from=&to= (YYYY-MM-DD), cursor and limit (1..500, default 100).")
            .Problems(StatusCodes.Status400BadRequest, "INVALID_CURSOR")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed, "INVALID_DATE_RANGE");
        return app;
    }

    public static async Task<Results<Ok<AccountList>, ProblemHttpResult>> ListAsync(
        [FromQuery(Name = "connection_id"), MaxLength(128)] string? connectionId, Caller caller, SessionDbContext db, DataReads reads, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        List<Connection> connections;
        if (connectionId is not null)
        {
            if (await ConnectionsApi.FindAsync(db, caller.ClientId, connectionId, cancellationToken) is not { } connection)
            {
                return DataErrors.ConnectionNotFound();
            }

            if (DataErrors.Unreadable(connection, now) is { } refused)
            {
                return refused;
            }

            connections = [connection];
        }
        else
        {
            connections = [.. (await db.Connections.AsNoTracking()
                    .Where(c => c.ClientId == caller.ClientId && c.Status == ConnectionStatus.Active).ToListAsync(cancellationToken))
                .Where(c => DataErrors.Unreadable(c, now) is null)];
        }

        connections.ForEach(reads.Read);
        var ids = connections.ToDictionary(c => c.Id, c => c.ConnectionId);
        var accounts = await db.Accounts.AsNoTracking().Where(a => ids.Keys.Contains(a.ConnectionKey))
            .OrderBy(a => a.AccountId).ToListAsync(cancellationToken);
        return TypedResults.Ok(new AccountList([.. accounts.Select(a => a.ToView(ids[a.ConnectionKey]))]));
    }

    public static async Task<Results<Ok<AccountView>, ProblemHttpResult>> GetAsync(
        [FromRoute(Name = "account_id"), MaxLength(128)] string accountId, Caller caller, SessionDbContext db, DataReads reads, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (account, connection, error) = await ReadableAccountAsync(accountId, caller, db, reads, clock, cancellationToken);
        return account is null ? error! : TypedResults.Ok(account.ToView(connection!.ConnectionId));
    }

    public static async Task<Results<Ok<BalanceList>, ProblemHttpResult>> GetBalancesAsync(
        [FromRoute(Name = "account_id"), MaxLength(128)] string accountId, Caller caller, SessionDbContext db, DataReads reads, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (account, _, error) = await ReadableAccountAsync(accountId, caller, db, reads, clock, cancellationToken);
        return account is null
            ? error!
            : TypedResults.Ok(new BalanceList(account.AccountId, [.. account.Balances.Select(b => new BalanceView(b.Type, DataViews.Money(b.Amount), b.Currency, b.ReferenceDate))]));
    }

    public static async Task<Results<Ok<TransactionPage>, ProblemHttpResult>> ListTransactionsAsync(
        [FromRoute(Name = "account_id"), MaxLength(128)] string accountId,
        [FromQuery(Name = "from"), MaxLength(10)] string? from,
        [FromQuery(Name = "to"), MaxLength(10)] string? to,
        [FromQuery(Name = "cursor"), MaxLength(512)] string? cursor,
        [FromQuery(Name = "limit"), MaxLength(3)] string? limit,
        Caller caller,
        SessionDbContext db,
        DataReads reads,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var (account, connection, error) = await ReadableAccountAsync(accountId, caller, db, reads, clock, cancellationToken);
        if (account is null)
        {
            return error!;
        }

        var errors = new Dictionary<string, string[]>();
        var fromDate = ParseDate(from, "from", errors);
        var toDate = ParseDate(to, "to", errors);
        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"must be a whole number from 1 to {MaxLimit}."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors, ProblemCodes.ValidationFailed, "The query is not valid.", "Correct the parameters listed in errors.");
        }

        if (fromDate > toDate)
        {
            return DataErrors.Invalid("from", "must not be after to.", "INVALID_DATE_RANGE");
        }

        var query = db.Transactions.AsNoTracking()
            .Where(t => t.ConnectionKey == connection!.Id && t.AccountId == account.AccountId && !t.Removed);
        if (fromDate is { } f)
        {
            query = query.Where(t => t.BookingDate >= f);
        }

        if (toDate is { } u)
        {
            query = query.Where(t => t.BookingDate <= u);
        }

        if (cursor is not null)
        {
            if (!Cursors.TryReadList(cursor, account.Id, out var date, out var id))
            {
                return DataErrors.InvalidCursor();
            }

            query = query.Where(t => t.BookingDate < date || (t.BookingDate == date && t.Id < id));
        }

        var rows = await query.OrderByDescending(t => t.BookingDate).ThenByDescending(t => t.Id).Take(take + 1).ToListAsync(cancellationToken);
        var hasMore = rows.Count > take;
        var page = rows.Take(take).ToList();
        var next = hasMore ? Cursors.ForList(account.Id, page[^1].BookingDate, page[^1].Id) : null;
        return TypedResults.Ok(new TransactionPage([.. page.Select(t => t.ToView())], next, hasMore));
    }

    /// <summary>The tenant's account and its connection when the connection may be read; else the refusal.</summary>
    private static async Task<(Account? Account, Connection? Connection, ProblemHttpResult? Error)> ReadableAccountAsync(
        string accountId, Caller caller, SessionDbContext db, DataReads reads, TimeProvider clock, CancellationToken cancellationToken)
    {
        var account = accountId.Length > 128
            ? null
            : await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.ClientId == caller.ClientId && a.AccountId == accountId, cancellationToken);
        var connection = account is null ? null : await db.Connections.AsNoTracking().FirstOrDefaultAsync(c => c.Id == account.ConnectionKey, cancellationToken);
        if (account is null || connection is null)
        {
            return (null, null, DataErrors.AccountNotFound());
        }

        if (DataErrors.Unreadable(connection, clock.GetUtcNow()) is { } refused)
        {
            return (null, null, refused);
        }

        reads.Read(connection);
        return (account, connection, null);
    }

    private static DateOnly? ParseDate(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors[name] = ["must be a date as YYYY-MM-DD."];
        return null;
    }
}
