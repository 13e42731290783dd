using System.Text.Json;
using GraphQL;
using GraphQL.Types;
using GraphQL.Validation.Complexity;

namespace Finqware.Gateway.GraphQL;

/// <summary>A consent a completed AISP session produced (<c>GET /connections/{connection_id}</c>).</summary>
public sealed class ConnectionType : RestObjectType
{
    public ConnectionType()
        : base("Connection", "The consent a completed AISP session produced (GET /connections/{connection_id}).")
    {
        Id("connection_id", "The connection's id.");
        Text("session_id", "The session that produced it.");
        Text("skill", "The skill id.");
        Text("status", "ACTIVE, EXPIRED or REVOKED.", required: true);
        Text("valid_until", "When the consent ends, ISO-8601 UTC.");
        Text("created_at", "ISO-8601 UTC timestamp.");
        Text("last_synced_at", "When the bank's data was last fetched, ISO-8601 UTC.");
        Object<RefreshErrorType>("last_refresh_error", "Why the last refresh failed, if it did.");
        ListOf<AccountType>("accounts", "The accounts the user consented to.");
    }
}

public sealed class RefreshErrorType : RestObjectType
{
    public RefreshErrorType()
        : base("RefreshError", "Why a connection's last refresh failed.")
    {
        Text("code", "Stable UPPER_SNAKE code.", required: true);
        Text("message", "Explanation.");
        Text("at", "ISO-8601 UTC timestamp.");
    }
}

/// <summary>An account of a connection (<c>GET /accounts/{account_id}</c>) with its balances and transactions.</summary>
public sealed class AccountType : RestObjectType
{
    public AccountType()
        : base("Account", "A bank account of a connection (GET /accounts/{account_id}).")
    {
        Id("account_id", "The account's id.");
        Text("connection_id", "The connection it belongs to.", required: true);
        Text("iban", "IBAN.");
        Text("name", "The bank's name for it.");
        Text("kind", "current, savings or card.");
        Text("currency", "ISO 4217 code.");

        Field<ConnectionType>("connection").Description("The connection it belongs to (GET /connections/{connection_id}).")
            .ResolveAsync(async ctx => Property(ctx.Source, "connection_id") is { ValueKind: JsonValueKind.String } id
                ? await Api(ctx).GetAsync(ctx, DownstreamApi.Sessions, "/connections/" + Query.Segment(id.GetString()))
                : null);

        Field<ListGraphType<NonNullGraphType<BalanceType>>>("balances").Description("Its balances (GET /accounts/{account_id}/balances).")
            .ResolveAsync(async ctx => Items(Property(
                await Api(ctx).GetAsync(ctx, DownstreamApi.Sessions, $"/accounts/{AccountId(ctx)}/balances"), "balances")));

        Field<TransactionConnectionType>("transactions")
            .Description("Its transactions, newest first, a page at a time (GET /accounts/{account_id}/transactions). Pass page_info.end_cursor as after for the next page.")
            .Argument<IntGraphType>("first", "Page size, 1 to 500 (default 100).")
            .Argument<StringGraphType>("after", "The end_cursor of the previous page.")
            .Argument<StringGraphType>("from", "Earliest booking date, YYYY-MM-DD.")
            .Argument<StringGraphType>("to", "Latest booking date, YYYY-MM-DD.")
            .ResolveAsync(async ctx => await Api(ctx).GetAsync(ctx, DownstreamApi.Sessions, $"/accounts/{AccountId(ctx)}/transactions" + Query.String(
                ("from", ctx.GetArgument<string?>("from")),
                ("to", ctx.GetArgument<string?>("to")),
                ("cursor", ctx.GetArgument<string?>("after")),
                ("limit", ctx.GetArgument<int?>("first")?.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
    }

    private static string AccountId(IResolveFieldContext<JsonElement> ctx) =>
        Query.Segment(Property(ctx.Source, "account_id")?.GetString());

    internal static DownstreamApi Api(IResolveFieldContext ctx) =>
        ctx.RequestServices!.GetRequiredService<DownstreamApi>();
}

public sealed class BalanceType : RestObjectType
{
    public BalanceType()
        : base("Balance", "A balance of an account (Berlin Group balance types).")
    {
        Text("type", "Balance type, e.g. closingBooked, interimAvailable.", required: true);
        Text("amount", "Amount as a string with two decimals, e.g. \"123.45\".", required: true);
        Text("currency", "ISO 4217 code.", required: true);
        Text("reference_date", "YYYY-MM-DD.");
    }
}

/// <summary>
/// One page of <c>GET /accounts/{account_id}/transactions</c>: its transactions as <c>nodes</c> (and <c>edges</c>), and
/// <c>page_info</c> carrying the REST <c>next_cursor</c> and <c>has_more</c>.
/// </summary>
public sealed class TransactionConnectionType : RestObjectType
{
    public TransactionConnectionType()
        : base("TransactionConnection", "A page of transactions.")
    {
        // A page holds `first` transactions, or the REST default of 100: that is what the complexity limit counts.
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TransactionEdgeType>>>>("edges").Description("The page's transactions, each as an edge.")
            .WithComplexityImpact(PageImpact)
            .Resolve(ctx => Items(Property(ctx.Source, "transactions")) ?? []);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TransactionType>>>>("nodes").Description("The page's transactions.")
            .WithComplexityImpact(PageImpact)
            .Resolve(ctx => Items(Property(ctx.Source, "transactions")) ?? []);
        Field<NonNullGraphType<PageInfoType>>("page_info").Description("Where the next page starts.")
            .Resolve(ctx => ctx.Source);
    }

    private static FieldComplexityResult PageImpact(FieldImpactContext context) =>
        new(1, context.Parent?.GetArgument<int?>("first") ?? 100);
}

public sealed class TransactionEdgeType : RestObjectType
{
    public TransactionEdgeType()
        : base("TransactionEdge", "A transaction in a page.")
    {
        Field<NonNullGraphType<TransactionType>>("node").Description("The transaction.").Resolve(ctx => ctx.Source);
    }
}

public sealed class PageInfoType : RestObjectType
{
    public PageInfoType()
        : base("PageInfo", "Paging state of a page (the REST next_cursor and has_more).")
    {
        Field<StringGraphType>("end_cursor").Description("Pass as after to get the next page; null on the last page.")
            .Resolve(ctx => Property(ctx.Source, "next_cursor")?.GetString());
        Field<NonNullGraphType<BooleanGraphType>>("has_next_page").Description("Whether another page follows.")
            .Resolve(ctx => Property(ctx.Source, "has_more") is { ValueKind: JsonValueKind.True });
    }
}

public sealed class TransactionType : RestObjectType
{
    public TransactionType()
        : base("Transaction", "A booked or pending transaction.")
    {
        Id("transaction_id", "Stable id: a pending transaction keeps it when it books.");
        Text("account_id", "The account.", required: true);
        Text("status", "BOOKED or PENDING.", required: true);
        Text("amount", "Signed amount as a string with two decimals, e.g. \"-12.30\".", required: true);
        Text("currency", "ISO 4217 code.", required: true);
        Text("booking_date", "YYYY-MM-DD.");
        Text("value_date", "YYYY-MM-DD.");
        Text("counterparty_name", "The other party.");
        Text("remittance_information", "The payment reference.");
    }
}

/// <summary>A payment a PISP session initiated (<c>GET /payments/{payment_id}</c>).</summary>
public sealed class PaymentType : RestObjectType
{
    public PaymentType()
        : base("Payment", "A payment a PISP session initiated (GET /payments/{payment_id}).")
    {
        Id("payment_id", "The payment's id.");
        Text("session_id", "The session that initiated it.");
        Text("skill", "The skill id.");
        Text("status", "Berlin Group transaction status: RCVD, ACTC, ACSP, ACSC, RJCT, CANC…", required: true);
        Text("reason", "Why it was rejected or cancelled.");
        Text("creditor_name", "Who is paid.");
        Text("creditor_iban", "The creditor's IBAN.");
        Text("amount", "Amount as a string with two decimals.");
        Text("currency", "ISO 4217 code.");
        Text("remittance_information", "The payment reference.");
        Text("created_at", "ISO-8601 UTC timestamp.");
        Text("updated_at", "ISO-8601 UTC timestamp.");
        ListOf<PaymentStatusChangeType>("status_history", "Every status it went through, oldest first.");
    }
}

public sealed class PaymentStatusChangeType : RestObjectType
{
    public PaymentStatusChangeType()
        : base("PaymentStatusChange", "A status a payment went through.")
    {
        Text("status", "Berlin Group transaction status.", required: true);
        Text("reason", "Why, when the bank said.");
        Text("at", "ISO-8601 UTC timestamp.");
    }
}

/// <summary>A marketplace product application (<c>GET /applications/{application_id}</c>).</summary>
public sealed class ApplicationType : RestObjectType
{
    public ApplicationType()
        : base("Application", "A marketplace product application: offer, verification, contract (GET /applications/{application_id}).")
    {
        Id("application_id", "The application's id.");
        Text("session_id", "The session it came from.");
        Text("skill", "The skill id.");
        Text("product", "The product applied for.");
        Text("status", "OFFERED, VERIFICATION_PENDING, APPROVED, REJECTED, CONTRACT_SIGNED or CANCELLED.", required: true);
        Text("reason", "Why it was rejected or cancelled.");
        Json("offer", "The offer, as the skill defines it.");
        Object<VerificationType>("verification", "The identity verification, once started.");
        Json("contract", "The signed contract, as the skill defines it.");
        Text("created_at", "ISO-8601 UTC timestamp.");
        Text("updated_at", "ISO-8601 UTC timestamp.");
    }
}

public sealed class VerificationType : RestObjectType
{
    public VerificationType()
        : base("Verification", "The identity verification of an application.")
    {
        Text("status", "PENDING, APPROVED or REJECTED.", required: true);
        Text("reason", "Why it was rejected.");
        Text("decided_at", "ISO-8601 UTC timestamp.");
    }
}

/// <summary>Paths and query strings for the REST calls.</summary>
internal static class Query
{
    /// <summary>
    /// An id as one escaped path segment. "/" is escaped by <see cref="Uri.EscapeDataString(string)"/>; "." and ".." (which
    /// an HTTP client would resolve as dot segments, reaching another route) and "" are ids nothing has, so not found.
    /// </summary>
    public static string Segment(string? id) => id is null or "" or "." or ".."
        ? throw new DownstreamError("Not found.", Finqware.ServiceDefaults.Problems.ProblemCodes.NotFound, 404, null)
        : Uri.EscapeDataString(id);

    /// <summary>A query string: absent values are left out, the rest escaped.</summary>
    public static string String(params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => p.Value is not null).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)).ToList();
        return present.Count == 0 ? string.Empty : "?" + string.Join('&', present);
    }
}
