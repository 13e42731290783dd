using System.Text.Json;
using GraphQL;
using GraphQL.Conversion;
using GraphQL.Types;

namespace Finqware.Gateway.GraphQL;

/// <summary>
/// The schema of <c>/graphql</c>: the REST resources as a graph, with the REST names (snake_case) and the REST meaning
/// of every field. Each field is resolved by the REST route named in its description, with the caller's credentials.
/// </summary>
public sealed class FinqwareSchema : Schema
{
    public FinqwareSchema()
    {
        // Field and argument names stay as written (snake_case, as in REST), not camelCased.
        NameConverter = DefaultNameConverter.Instance;
        Query = new QueryType();
        Mutation = new MutationType();
        Description = "Finqware: skills, sessions and the data users consented to, with the same authorization as the REST API.";
        // Introspection is static and asks no service: it does not count towards the complexity limit (the depth limit
        // and the request size limit still bound it).
        this.WithIntrospectionComplexityImpact(0);
    }
}

public sealed class QueryType : ObjectGraphType
{
    public QueryType()
    {
        Name = "Query";

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SkillType>>>>("skills")
            .Description("The catalog's skills (GET /skills); no credentials needed.")
            .Argument<StringGraphType>("type", "aisp, pisp or marketplace.")
            .Argument<StringGraphType>("flavor", "sandbox or production.")
            .Argument<StringGraphType>("provider", "The provider's id.")
            .ResolveAsync(async ctx => RestObjectType.Items(RestObjectType.Property(
                await Get(ctx, DownstreamApi.Catalog, "/skills" + Query.String(
                    ("type", ctx.GetArgument<string?>("type")),
                    ("flavor", ctx.GetArgument<string?>("flavor")),
                    ("provider", ctx.GetArgument<string?>("provider")))),
                "skills")) ?? []);

        Lookup<SkillType>("skill", "skill_id", DownstreamApi.Catalog, "/skills/", "One skill (GET /skills/{skill_id}).");
        Lookup<SessionType>("session", "session_id", DownstreamApi.Sessions, "/sessions/", "A session with its steps (GET /sessions/{session_id}).");

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ConnectionType>>>>("connections")
            .Description("The tenant's connections (GET /connections).")
            .Argument<StringGraphType>("status", "ACTIVE, EXPIRED or REVOKED.")
            .ResolveAsync(async ctx => RestObjectType.Items(RestObjectType.Property(
                await Get(ctx, DownstreamApi.Sessions, "/connections" + Query.String(("status", ctx.GetArgument<string?>("status")))),
                "connections")) ?? []);
        Lookup<ConnectionType>("connection", "connection_id", DownstreamApi.Sessions, "/connections/", "One connection (GET /connections/{connection_id}).");

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AccountType>>>>("accounts")
            .Description("The tenant's accounts (GET /accounts).")
            .Argument<IdGraphType>("connection_id", "Only this connection's accounts.")
            .ResolveAsync(async ctx => RestObjectType.Items(RestObjectType.Property(
                await Get(ctx, DownstreamApi.Sessions, "/accounts" + Query.String(("connection_id", ctx.GetArgument<string?>("connection_id")))),
                "accounts")) ?? []);
        Lookup<AccountType>("account", "account_id", DownstreamApi.Sessions, "/accounts/", "One account (GET /accounts/{account_id}).");

        Lookup<PaymentType>("payment", "payment_id", DownstreamApi.Sessions, "/payments/", "A payment (GET /payments/{payment_id}).");
        Lookup<ApplicationType>("application", "application_id", DownstreamApi.Sessions, "/applications/", "A marketplace application (GET /applications/{application_id}).");
    }

    /// <summary>A field reading one resource by id: null with a NOT_FOUND error when it does not exist or is another tenant's.</summary>
    private void Lookup<TType>(string name, string idArgument, string service, string prefix, string description) where TType : IGraphType =>
        Field<TType>(name)
            .Description(description + " Null with a NOT_FOUND error when the id is unknown or another tenant's.")
            .Argument<NonNullGraphType<IdGraphType>>(idArgument, "The id.")
            .ResolveAsync(async ctx => await Get(ctx, service, prefix + Query.Segment(ctx.GetArgument<string>(idArgument))));

    private static Task<JsonElement> Get(IResolveFieldContext ctx, string service, string path) =>
        AccountType.Api(ctx).GetAsync(ctx, service, path);
}
