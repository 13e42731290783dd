using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Finqware.Gateway.Tests;

/// <summary>
/// A real HTTP server on a loopback port answering the REST contract of the data APIs (notes: data-contract) and of the
/// catalog, for two tenants: <c>Bearer token-a</c> and <c>Bearer token-b</c>. Another tenant's id is a 404 with the same
/// body as an unknown id; no token is a 401 UNAUTHORIZED; a revoked connection's data is a 403 CONNECTION_REVOKED.
/// It records every request it is asked, with its Authorization header.
/// </summary>
public sealed class ContractServer : IAsyncDisposable
{
    private readonly TestWebServer server;

    private ContractServer(TestWebServer server, ConcurrentQueue<(string PathAndQuery, string? Authorization)> requests)
    {
        this.server = server;
        Requests = requests;
    }

    public string Address => server.Url;

    /// <summary>Every request it was asked, with its Authorization header.</summary>
    public ConcurrentQueue<(string PathAndQuery, string? Authorization)> Requests { get; }

    /// <summary>Tenant A's data: connection c-a1 (ACTIVE, accounts acc-a1 and acc-a2), c-a2 (REVOKED, acc-a3), payment, application.</summary>
    public static readonly JsonObject TenantA = Parse("""
        {
          "connections": [
            { "connection_id": "c-a1", "session_id": "5d1f0e2a-0000-4000-8000-000000000001", "skill": "xyz_aisp_sbx_#1.0", "status": "ACTIVE",
              "valid_until": "2027-02-23T10:00:00+00:00", "created_at": "2026-11-25T10:00:00+00:00", "last_synced_at": "2026-11-25T10:00:05+00:00",
              "accounts": [
                { "account_id": "acc-a1", "connection_id": "c-a1", "iban": "DE89370400440532013000", "name": "Girokonto", "kind": "current", "currency": "EUR" },
                { "account_id": "acc-a2", "connection_id": "c-a1", "iban": "DE02120300000000202051", "name": "Tagesgeld", "kind": "savings", "currency": "EUR" }
              ] },
            { "connection_id": "c-a2", "session_id": "5d1f0e2a-0000-4000-8000-000000000002", "skill": "xyz_aisp_sbx_#1.0", "status": "REVOKED",
              "valid_until": "2027-02-23T10:00:00+00:00", "created_at": "2026-11-20T10:00:00+00:00", "last_synced_at": "2026-11-21T10:00:00+00:00",
              "last_refresh_error": { "code": "CONSENT_REVOKED", "message": "The user revoked the consent.", "at": "2026-11-22T09:00:00+00:00" },
              "accounts": [
                { "account_id": "acc-a3", "connection_id": "c-a2", "iban": "DE44500105175407324931", "name": "Karte", "kind": "card", "currency": "EUR" }
              ] }
          ],
          "balances": {
            "acc-a1": [
              { "type": "closingBooked", "amount": "1234.50", "currency": "EUR", "reference_date": "2026-11-24" },
              { "type": "interimAvailable", "amount": "1200.00", "currency": "EUR", "reference_date": "2026-11-25" }
            ],
            "acc-a2": [ { "type": "closingBooked", "amount": "5000.00", "currency": "EUR", "reference_date": "2026-11-24" } ]
          },
          "transactions": {
            "acc-a1": [
              { "transaction_id": "t5", "account_id": "acc-a1", "status": "PENDING", "amount": "-9.99", "currency": "EUR", "booking_date": "2026-11-25", "value_date": "2026-11-25", "counterparty_name": "Streamly", "remittance_information": "Subscription" },
              { "transaction_id": "t4", "account_id": "acc-a1", "status": "BOOKED", "amount": "-42.10", "currency": "EUR", "booking_date": "2026-11-24", "value_date": "2026-11-24", "counterparty_name": "Grocer", "remittance_information": "Card 1234" },
              { "transaction_id": "t3", "account_id": "acc-a1", "status": "BOOKED", "amount": "2500.00", "currency": "EUR", "booking_date": "2026-11-20", "value_date": "2026-11-20", "counterparty_name": "Employer GmbH", "remittance_information": "Salary November" },
              { "transaction_id": "t2", "account_id": "acc-a1", "status": "BOOKED", "amount": "-800.00", "currency": "EUR", "booking_date": "2026-11-03", "value_date": "2026-11-03", "counterparty_name": "Landlord", "remittance_information": "Rent" },
              { "transaction_id": "t1", "account_id": "acc-a1", "status": "BOOKED", "amount": "-3.20", "currency": "EUR", "booking_date": "2026-11-01", "value_date": "2026-11-01", "counterparty_name": "Bakery", "remittance_information": "Bread" }
            ],
            "acc-a2": []
          },
          "payments": [
            { "payment_id": "p-a1", "session_id": "5d1f0e2a-0000-4000-8000-000000000003", "skill": "xyz_pisp_sbx_#1.0", "status": "ACSC", "creditor_name": "Landlord",
              "creditor_iban": "DE89370400440532013000", "amount": "800.00", "currency": "EUR", "remittance_information": "Rent December",
              "created_at": "2026-11-25T10:00:00+00:00", "updated_at": "2026-11-25T10:00:09+00:00",
              "status_history": [ { "status": "RCVD", "at": "2026-11-25T10:00:00+00:00" }, { "status": "ACTC", "at": "2026-11-25T10:00:03+00:00" },
                                  { "status": "ACSC", "reason": "Settled", "at": "2026-11-25T10:00:09+00:00" } ] }
          ],
          "applications": [
            { "application_id": "app-a1", "session_id": "5d1f0e2a-0000-4000-8000-000000000004", "skill": "xyz_sbx_#3.0", "product": "consumer_loan", "status": "APPROVED",
              "offer": { "amount": "5000.00", "apr": 4.9, "terms": [12, 24, 36], "insured": false },
              "verification": { "status": "APPROVED", "decided_at": "2026-11-25T10:05:00+00:00" },
              "created_at": "2026-11-25T10:00:00+00:00", "updated_at": "2026-11-25T10:05:00+00:00" }
          ]
        }
        """);

    /// <summary>Tenant B's data: one connection c-b1 with account acc-b1.</summary>
    public static readonly JsonObject TenantB = Parse("""
        {
          "connections": [
            { "connection_id": "c-b1", "session_id": "5d1f0e2a-0000-4000-8000-0000000000b1", "skill": "xyz_aisp_sbx_#1.0", "status": "ACTIVE",
              "valid_until": "2027-02-23T10:00:00+00:00", "created_at": "2026-11-25T10:00:00+00:00", "last_synced_at": "2026-11-25T10:00:05+00:00",
              "accounts": [ { "account_id": "acc-b1", "connection_id": "c-b1", "iban": "FR7630006000011234567890189", "name": "Compte", "kind": "current", "currency": "EUR" } ] }
          ],
          "balances": { "acc-b1": [] },
          "transactions": { "acc-b1": [] },
          "payments": [],
          "applications": []
        }
        """);

    /// <summary>The catalog's skills, as GET /skills returns them.</summary>
    public static readonly JsonArray Skills = (JsonArray)JsonNode.Parse("""
        [
          { "skill_id": "xyz_aisp_sbx_#1.0", "provider": "xyz", "display_name": "XYZ Bank accounts", "description": "Account information", "type": "aisp",
            "flavor": "sandbox", "version": "1.0", "status": "AVAILABLE", "instances": 2,
            "steps": [ { "name": "consent", "description": "Give consent", "data_schema": { "type": "object", "examples": [ { "user": "user_good" } ] },
                         "uploads": [ { "kind": "id_front", "content_types": [ "image/png" ], "max_bytes": 5000000000, "required": true } ], "async": false } ],
            "data_products": [ "accounts", "balances", "transactions" ] },
          { "skill_id": "xyz_pisp_sbx_#1.0", "provider": "xyz", "display_name": "XYZ Bank payments", "description": "Payments", "type": "pisp",
            "flavor": "sandbox", "version": "1.0", "status": "UNAVAILABLE", "instances": 0, "steps": [], "data_products": [ "payments" ] }
        ]
        """)!;

    public static async Task<ContractServer> StartAsync()
    {
        var requests = new ConcurrentQueue<(string, string?)>();
        return new ContractServer(await TestWebServer.StartAsync(app => Map(app, requests)), requests);
    }

    private static void Map(WebApplication app, ConcurrentQueue<(string, string?)> requests)
    {
        app.Use(async (context, next) =>
        {
            requests.Enqueue((context.Request.Path + context.Request.QueryString, context.Request.Headers.Authorization.FirstOrDefault()));
            await next();
        });

        app.MapGet("/skills", (string? type) => type is null or "aisp" or "pisp" or "marketplace"
            ? Json(new JsonObject { ["skills"] = new JsonArray([.. Skills.Where(s => type is null || (string?)s!["type"] == type).Select(s => s!.DeepClone())]) })
            : Problem(400, "INVALID_FILTER", "Unknown filter value.", "Correct the fields listed in errors and send the request again.",
                new JsonObject { ["type"] = new JsonArray("Must be one of aisp, pisp, marketplace.") }));
        app.MapGet("/skills/{id}", (string id) => Skills.FirstOrDefault(s => (string?)s!["skill_id"] == id) is { } skill
            ? Json(skill.DeepClone())
            : Problem(404, "SKILL_NOT_FOUND", "No such skill.", "List the skills with GET /skills."));

        app.MapGet("/connections", (HttpContext http, string? status) => Tenant(http) is { } tenant
            ? Json(new JsonObject { ["connections"] = new JsonArray([.. Connections(tenant).Where(c => status is null || (string?)c["status"] == status).Select(c => c.DeepClone())]) })
            : Unauthorized());
        app.MapGet("/connections/{id}", (HttpContext http, string id) => Tenant(http) is not { } tenant ? Unauthorized()
            : Connections(tenant).FirstOrDefault(c => (string?)c["connection_id"] == id) is { } connection ? Json(connection.DeepClone())
            : Problem(404, "CONNECTION_NOT_FOUND", "No such connection.", "Check the connection_id."));
        app.MapGet("/accounts", (HttpContext http, string? connection_id) => Tenant(http) is { } tenant
            ? Json(new JsonObject { ["accounts"] = new JsonArray([.. Accounts(tenant).Where(a => connection_id is null || (string?)a.Account["connection_id"] == connection_id).Select(a => a.Account.DeepClone())]) })
            : Unauthorized());
        app.MapGet("/accounts/{id}", (HttpContext http, string id) => AccountRead(http, id, (_, account) => Json(account.DeepClone()), checkRevoked: false));
        app.MapGet("/accounts/{id}/balances", (HttpContext http, string id) => AccountRead(http, id, (tenant, _) =>
            Json(new JsonObject { ["account_id"] = id, ["balances"] = tenant["balances"]![id]!.DeepClone() }), checkRevoked: true));
        app.MapGet("/accounts/{id}/transactions", (HttpContext http, string id, string? cursor, int? limit) => AccountRead(http, id, (tenant, _) =>
        {
            if (limit is < 1 or > 500)
            {
                return Problem(422, "VALIDATION_FAILED", "The request is not valid.", "limit must be 1 to 500.", new JsonObject { ["limit"] = new JsonArray("Must be between 1 and 500.") });
            }

            // The cursor is opaque to clients: here the base64 of the offset of the next page.
            var all = tenant["transactions"]![id]!.AsArray();
            var offset = cursor is null ? 0 : int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(cursor)), System.Globalization.CultureInfo.InvariantCulture);
            var page = all.Skip(offset).Take(limit ?? 100).Select(t => t!.DeepClone()).ToList();
            var next = offset + page.Count;
            var hasMore = next < all.Count;
            return Json(new JsonObject
            {
                ["transactions"] = new JsonArray([.. page]),
                ["next_cursor"] = hasMore ? Convert.ToBase64String(Encoding.UTF8.GetBytes(next.ToString(System.Globalization.CultureInfo.InvariantCulture))) : null,
                ["has_more"] = hasMore,
            });
        }, checkRevoked: true));
        app.MapGet("/payments/{id}", (HttpContext http, string id) => Lookup(http, "payments", "payment_id", id, "PAYMENT_NOT_FOUND"));
        app.MapGet("/applications/{id}", (HttpContext http, string id) => Lookup(http, "applications", "application_id", id, "APPLICATION_NOT_FOUND"));
        app.MapGet("/boom/{id}", () => Problem(500, "INTERNAL_ERROR", "An unexpected error occurred.", "Retry later."));
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();

    private static JsonObject? Tenant(HttpContext http) => http.Request.Headers.Authorization.ToString() switch
    {
        "Bearer token-a" => TenantA,
        "Bearer token-b" => TenantB,
        _ => null,
    };

    private static IEnumerable<JsonObject> Connections(JsonObject tenant) => tenant["connections"]!.AsArray().Select(c => c!.AsObject());

    private static IEnumerable<(JsonObject Connection, JsonObject Account)> Accounts(JsonObject tenant) =>
        Connections(tenant).SelectMany(c => c["accounts"]!.AsArray().Select(a => (c, a!.AsObject())));

    private static IResult AccountRead(HttpContext http, string id, Func<JsonObject, JsonObject, IResult> read, bool checkRevoked)
    {
        if (Tenant(http) is not { } tenant)
        {
            return Unauthorized();
        }

        var found = Accounts(tenant).FirstOrDefault(a => (string?)a.Account["account_id"] == id);
        if (found.Account is null)
        {
            return Problem(404, "ACCOUNT_NOT_FOUND", "No such account.", "Check the account_id.");
        }

        return checkRevoked && (string?)found.Connection["status"] == "REVOKED"
            ? Problem(403, "CONNECTION_REVOKED", "The connection was revoked.", "The user revoked this consent; open a new session.")
            : read(tenant, found.Account);
    }

    private static IResult Lookup(HttpContext http, string collection, string key, string id, string notFound) =>
        Tenant(http) is not { } tenant ? Unauthorized()
        : tenant[collection]!.AsArray().FirstOrDefault(x => (string?)x![key] == id) is { } item ? Json(item.DeepClone())
        : Problem(404, notFound, "Not found.", "Check the id.");

    private static IResult Unauthorized() => Problem(401, "UNAUTHORIZED", "Credentials are required.", "Send Authorization: Bearer <token from POST /oauth/token>.");

    private static IResult Json(JsonNode node) => Results.Text(node.ToJsonString(), "application/json");

    private static IResult Problem(int status, string code, string title, string detail, JsonObject? errors = null)
    {
        var problem = new JsonObject { ["type"] = "about:blank", ["title"] = title, ["status"] = status, ["detail"] = detail, ["code"] = code, ["trace_id"] = new string('0', 32) };
        if (errors is not null)
        {
            problem["errors"] = errors;
        }

        return Results.Text(problem.ToJsonString(), "application/problem+json", statusCode: status);
    }

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
}
