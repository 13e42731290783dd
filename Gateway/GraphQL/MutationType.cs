using System.Text.Json;
using GraphQL;
using GraphQL.Types;

namespace Finqware.Gateway.GraphQL;

/// <summary>
/// What tenants do, as mutations: each calls the REST route named in its description with the caller's credentials (and,
/// for a session's client-side routes, the credentials the seed puts in the body), so it is authorised exactly as REST.
/// A refusal is null with the REST problem's code in the error's extensions.
/// </summary>
public sealed class MutationType : ObjectGraphType
{
    public MutationType()
    {
        Name = "Mutation";

        Field<OpenedSessionType>("open_session")
            .Description("Open an onboarding session (POST /sessions) with the client app's client_id and client_app_key.")
            .Argument<NonNullGraphType<StringGraphType>>("client_id", "The tenant app.")
            .Argument<NonNullGraphType<StringGraphType>>("client_app_key", "The tenant app's client app key.")
            .Argument<NonNullGraphType<StringGraphType>>("skill", "A skill the tenant registered, e.g. xyz_aisp_sbx_#1.0.")
            .ResolveAsync(async ctx => await Send(ctx, HttpMethod.Post, "/sessions", new
            {
                client_id = ctx.GetArgument<string>("client_id"),
                client_app_key = ctx.GetArgument<string>("client_app_key"),
                skill = ctx.GetArgument<string>("skill"),
            }));

        Field<SubmittedStepType>("submit_step")
            .Description("Submit a step's data with the session's current nonce (POST /sessions/{session_id}/steps); returns the next nonce.")
            .Argument<NonNullGraphType<IdGraphType>>("session_id", "The session.")
            .Argument<NonNullGraphType<StringGraphType>>("client_id", "The tenant app.")
            .Argument<NonNullGraphType<StringGraphType>>("nonce", "The nonce of the last answer on this session.")
            .Argument<NonNullGraphType<StringGraphType>>("skill", "The session's skill.")
            .Argument<NonNullGraphType<StringGraphType>>("step", "The step's name.")
            .Argument<JsonScalar>("data", "The step's input, valid against its data_schema.")
            .ResolveAsync(async ctx => await Send(ctx, HttpMethod.Post, $"/sessions/{Query.Segment(ctx.GetArgument<string>("session_id"))}/steps", new
            {
                client_id = ctx.GetArgument<string>("client_id"),
                nonce = ctx.GetArgument<string>("nonce"),
                skill = ctx.GetArgument<string>("skill"),
                step = ctx.GetArgument<string>("step"),
                data = ctx.GetArgument<JsonElement?>("data") ?? JsonDocument.Parse("{}").RootElement,
            }));

        Field<SessionType>("cancel_session")
            .Description("Cancel an open session (POST /sessions/{session_id}/cancel): API token or client app key.")
            .Argument<NonNullGraphType<IdGraphType>>("session_id", "The session.")
            .ResolveAsync(async ctx => await Send(ctx, HttpMethod.Post, $"/sessions/{Query.Segment(ctx.GetArgument<string>("session_id"))}/cancel", null));

        Field<ConnectionRefreshType>("refresh_connection")
            .Description("Ask the connector to read the bank again (POST /connections/{connection_id}/refresh): API token.")
            .Argument<NonNullGraphType<IdGraphType>>("connection_id", "The connection.")
            .ResolveAsync(async ctx => await Send(ctx, HttpMethod.Post, $"/connections/{Query.Segment(ctx.GetArgument<string>("connection_id"))}/refresh", null));

        Field<BooleanGraphType>("revoke_connection")
            .Description("Revoke the consent (DELETE /connections/{connection_id}): true once revoked (again true if it already was). API token.")
            .Argument<NonNullGraphType<IdGraphType>>("connection_id", "The connection.")
            .ResolveAsync(async ctx =>
            {
                await Send(ctx, HttpMethod.Delete, $"/connections/{Query.Segment(ctx.GetArgument<string>("connection_id"))}", null);
                return true;
            });

        Field<TransactionsSyncType>("sync_transactions")
            .Description("What changed in a connection's transactions since a cursor (POST /transactions/sync): API token.")
            .Argument<NonNullGraphType<IdGraphType>>("connection_id", "The connection.")
            .Argument<StringGraphType>("cursor", "The next_cursor of the previous sync; none to start.")
            .Argument<IntGraphType>("count", "At most this many changes, 1 to 500.")
            .ResolveAsync(async ctx => await Send(ctx, HttpMethod.Post, "/transactions/sync", new
            {
                connection_id = ctx.GetArgument<string>("connection_id"),
                cursor = ctx.GetArgument<string?>("cursor"),
                count = ctx.GetArgument<int?>("count"),
            }));
    }

    private static Task<JsonElement> Send(IResolveFieldContext ctx, HttpMethod method, string path, object? body) =>
        AccountType.Api(ctx).SendAsync(ctx, method, DownstreamApi.Sessions, path, body);
}

public sealed class OpenedSessionType : RestObjectType
{
    public OpenedSessionType()
        : base("OpenedSession", "A session just opened (POST /sessions): its id and the nonce for its first step.")
    {
        Id("session_id", "The session's id.");
        Text("nonce", "Authorises the first step; valid 30 minutes.", required: true);
        Text("status", "SESSION_CREATED.", required: true);
        Text("next_step", "The first step's name.");
        Text("expires_at", "When the nonce expires, ISO-8601 UTC.");
    }
}

public sealed class SubmittedStepType : RestObjectType
{
    public SubmittedStepType()
        : base("SubmittedStep", "A step just submitted (POST /sessions/{session_id}/steps): its id and the nonce for the next step.")
    {
        Id("step_id", "The step's id: read it with session { steps } or GET /sessions/{session_id}/steps/{step_id}.");
        Text("nonce", "Authorises the next step (and this step's uploads).", required: true);
        Text("status", "SUBMITTED, or AWAITING_UPLOADS while documents are missing.", required: true);
        Texts("missing_uploads", "Document kinds to upload, while AWAITING_UPLOADS.");
        Text("expires_at", "When the nonce expires, ISO-8601 UTC.");
    }
}

public sealed class ConnectionRefreshType : RestObjectType
{
    public ConnectionRefreshType()
        : base("ConnectionRefresh", "A refresh asked of the connector (POST /connections/{connection_id}/refresh).")
    {
        Id("connection_id", "The connection.");
        Text("request_id", "The refresh request's id.");
        Text("status", "REFRESH_REQUESTED: the data arrives asynchronously (TRANSACTIONS_UPDATED webhook).", required: true);
    }
}

public sealed class TransactionsSyncType : RestObjectType
{
    public TransactionsSyncType()
        : base("TransactionsSync", "The changes since a cursor (POST /transactions/sync).")
    {
        ListOf<TransactionType>("added", "New transactions.");
        ListOf<TransactionType>("modified", "Changed transactions (a pending one that booked keeps its id).");
        ListOf<RemovedTransactionType>("removed", "Transactions that are gone.");
        Text("next_cursor", "Pass it as cursor to the next sync.", required: true);
        Flag("has_more", "More changes wait: sync again at once with next_cursor.");
    }
}

public sealed class RemovedTransactionType : RestObjectType
{
    public RemovedTransactionType()
        : base("RemovedTransaction", "A transaction that is gone (a pending one the bank dropped).")
    {
        Id("transaction_id", "The transaction.");
        Text("account_id", "Its account.", required: true);
    }
}
