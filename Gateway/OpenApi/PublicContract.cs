using System.Globalization;
using System.Text.Json.Nodes;
using Finqware.Gateway.Edge;
using Finqware.ServiceDefaults.Problems;

namespace Finqware.Gateway.OpenApi;

/// <summary>
/// Builds the public OpenAPI document from the services' documents and the gateway's own: every route a tenant's client,
/// a tenant's server or a servicer's developer calls (internal routes are excluded where they are mapped). Each operation's
/// contract metadata (<c>x-finqware-security</c>, <c>x-finqware-problems</c>, see <c>ApiContract</c>) becomes its security
/// requirement and its <c>application/problem+json</c> responses, all sharing one <c>Problem</c> schema whose <c>code</c> is
/// narrowed to the codes that response can carry; the conventions every route shares (rate-limit headers,
/// <c>Idempotency-Key</c>, the gateway's and the framework's own problems) are added here once. Pure: it reads no service.
/// </summary>
public static class PublicContract
{
    public const string ProblemSchema = "Problem";
    public const string ProblemJson = "application/problem+json";
    public const string OAuthTokenPath = "/oauth/token";

    private static readonly string[] UnsafeMethods = ["post", "put", "patch", "delete"];

    /// <summary>Paths whose unsafe operations take no <c>Idempotency-Key</c>: token requests and GraphQL are not resources.</summary>
    private static readonly string[] NotIdempotent = [OAuthTokenPath, "/auth/token", "/graphql"];

    /// <summary>The tags of the public document, in the order a tenant developer meets them.</summary>
    private static readonly (string Name, string Description)[] Tags =
    [
        ("Skills", "The catalog: what each skill does, its steps and the data each step takes."),
        ("Servicers", "Sign-up and portal login for servicers and their users."),
        ("Tenants", "Tenant apps of a servicer and their credentials (portal token)."),
        ("OAuth", "API tokens for tenant servers (OAuth 2.0 client credentials) and the keys that sign them."),
        ("Sessions", "Onboarding sessions: open, submit steps, upload documents, read the outcome."),
        ("Connections", "The consents completed sessions produced (tenant server)."),
        ("Accounts", "Accounts, balances and transactions of active connections (tenant server)."),
        ("Payments", "Payments initiated in sessions (tenant server)."),
        ("Applications", "Marketplace applications: offers, verification, contracts (tenant server)."),
        ("Usage", "What each tenant used, per day or month and skill: for the tenant (API token) and its servicer (portal token)."),
        ("GraphQL", "The same resources as a graph, with the same authorisation."),
        ("Contract", "This document."),
    ];

    /// <summary>
    /// The public document from <paramref name="proxied"/> (the services' documents, in route order) and
    /// <paramref name="gateway"/> (the gateway's own routes). Operations of proxied services can also meet the gateway's
    /// own refusals (502, 504).
    /// </summary>
    public static JsonObject Build(IEnumerable<JsonObject> proxied, JsonObject gateway)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var (source, viaProxy) in proxied.Select(d => (d, true)).Append((gateway, false)))
        {
            MergeSchemas(schemas, source["components"]?["schemas"] as JsonObject);
            foreach (var (path, item) in (source["paths"] as JsonObject ?? []).ToList())
            {
                if (paths.ContainsKey(path))
                {
                    throw new InvalidOperationException($"Two services describe {path}.");
                }

                var copy = item!.DeepClone().AsObject();
                foreach (var (method, operation) in copy.Where(p => p.Value is JsonObject && IsMethod(p.Key)).ToList())
                {
                    Expand(path, method, operation!.AsObject(), viaProxy);
                }

                paths[path] = copy;
            }
        }

        schemas[ProblemSchema] = Problem();
        foreach (var schema in schemas.Select(s => s.Value).OfType<JsonObject>())
        {
            AnyItems(schema);
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "Finqware API",
                ["version"] = "v1",
                ["description"] = "Open banking middleware: the skills catalog, servicers and their tenant apps, onboarding sessions "
                    + "(consent, KYC, product sign-up) and the data and payments users consented to. Errors are RFC 9457 problem "
                    + "documents with a stable code and a trace_id. The document names no server: use the origin you fetched it from.",
                ["contact"] = new JsonObject { ["name"] = "Finqware developer support", ["url"] = "https://www.finqware.com" },
                ["license"] = new JsonObject { ["name"] = "Proprietary", ["identifier"] = "LicenseRef-Finqware" },
            },
            ["tags"] = new JsonArray([.. Tags.Select(t => new JsonObject { ["name"] = t.Name, ["description"] = t.Description })]),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = Sorted(schemas),
                ["headers"] = Headers(),
                ["parameters"] = new JsonObject { ["IdempotencyKey"] = IdempotencyKeyParameter() },
                ["securitySchemes"] = SecuritySchemes(),
            },
        };
    }

    private static bool IsMethod(string key) => key is "get" or "put" or "post" or "delete" or "patch" or "head" or "options";

    private static void Expand(string path, string method, JsonObject operation, bool viaProxy)
    {
        var security = operation[ApiContract.SecurityExtension] as JsonArray;
        operation.Remove(ApiContract.SecurityExtension);
        if (security is null && operation["x-credentials"] is not null)
        {
            // The seed's body credentials (client_id with client_app_key or nonce): OpenAPI has no scheme in the body, so the
            // operation is open at the HTTP level and x-credentials names the fields its workflow checks.
            operation["security"] = new JsonArray();
        }
        else if (security is not null)
        {
            operation["security"] = new JsonArray([.. security.Select(s => s!.GetValue<string>() is { Length: > 0 } scheme
                ? new JsonObject { [scheme] = new JsonArray() }
                : new JsonObject())]);
        }

        var problems = new SortedDictionary<int, SortedSet<string>>();
        void Add(int status, params string[] codes)
        {
            if (!problems.TryGetValue(status, out var set))
            {
                problems[status] = set = new SortedSet<string>(StringComparer.Ordinal);
            }

            set.UnionWith(codes);
        }

        if (operation[ApiContract.ProblemsExtension] is JsonObject declared)
        {
            foreach (var (status, codes) in declared)
            {
                Add(int.Parse(status, CultureInfo.InvariantCulture), [.. codes!.AsArray().Select(c => c!.GetValue<string>())]);
            }
        }

        operation.Remove(ApiContract.ProblemsExtension);

        // What the framework and the gateway answer on any route (ProblemDetailsSetup, the gateway's status pages).
        Add(StatusCodes.Status400BadRequest, ProblemCodes.BadRequest);
        Add(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited);
        Add(StatusCodes.Status500InternalServerError, ProblemCodes.InternalError);
        Add(StatusCodes.Status503ServiceUnavailable, ProblemCodes.ServiceUnavailable);
        if (viaProxy)
        {
            // A service that is down is a 503 (above), never a 502 (Gateway/Edge/ProxyErrors).
            Add(StatusCodes.Status504GatewayTimeout, ProblemCodes.GatewayTimeout);
        }

        if (EdgeRoutes.IsClientRoute(method.ToUpperInvariant(), path) && !EdgeRoutes.IsCatalog(path))
        {
            // A browser app's request from an origin its tenant did not register (Gateway/Edge/EdgeCors).
            Add(StatusCodes.Status403Forbidden, EdgeCors.OriginNotAllowed);
        }

        var idempotent = UnsafeMethods.Contains(method) && !NotIdempotent.Contains(path);
        if (idempotent)
        {
            // ServiceDefaults.Data's IdempotencyMiddleware, on every unsafe route but token requests.
            Add(StatusCodes.Status400BadRequest, ProblemCodes.IdempotencyKeyInvalid);
            Add(StatusCodes.Status409Conflict, ProblemCodes.IdempotencyKeyInUse);
            Add(StatusCodes.Status422UnprocessableEntity, ProblemCodes.IdempotencyKeyReused);
        }

        if (operation["requestBody"]?["content"]?["application/json"] is not null)
        {
            Add(StatusCodes.Status400BadRequest, ProblemCodes.MalformedJson);
            Add(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType);
        }

        // A path parameter that is not a valid id (a route constraint) matches no route.
        if ((operation["parameters"] as JsonArray ?? []).Any(p => p?["in"]?.GetValue<string>() == "path" && p["schema"]?["format"]?.GetValue<string>() == "uuid"))
        {
            Add(StatusCodes.Status404NotFound, ProblemCodes.RouteNotFound);
        }

        var responses = operation["responses"] as JsonObject ?? [];
        foreach (var (status, codes) in problems)
        {
            var key = status.ToString(CultureInfo.InvariantCulture);
            // Routes with a standard error format of their own (OAuth 2.0, GraphQL) keep their declared responses.
            responses[key] ??= ProblemResponse(status, codes);
        }

        if (idempotent)
        {
            var parameters = operation["parameters"] as JsonArray ?? [];
            parameters.Add(new JsonObject { ["$ref"] = "#/components/parameters/IdempotencyKey" });
            operation["parameters"] = parameters;
        }

        foreach (var (status, response) in responses.ToList())
        {
            if (status[0] is '2' or '4' && response is JsonObject answer)
            {
                var headers = answer["headers"] as JsonObject ?? [];
                headers["RateLimit"] = HeaderRef("RateLimit");
                headers["RateLimit-Policy"] = HeaderRef("RateLimit-Policy");
                if (status[0] == '2' && idempotent)
                {
                    headers["Idempotent-Replayed"] = HeaderRef("Idempotent-Replayed");
                }

                answer["headers"] = headers;
            }
        }

        operation["responses"] = Sorted(responses);
    }

    /// <summary>A list of JSON values (JsonElement) is described without items: say "any value" explicitly.</summary>
    private static void AnyItems(JsonNode? node)
    {
        if (node is JsonObject schema)
        {
            var type = schema["type"];
            var isArray = type is JsonValue v ? v.GetValue<string>() == "array" : type is JsonArray a && a.Any(t => t?.GetValue<string>() == "array");
            if (isArray && !schema.ContainsKey("items"))
            {
                schema["items"] = new JsonObject();
            }

            foreach (var (_, child) in schema.ToList())
            {
                AnyItems(child);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                AnyItems(item);
            }
        }
    }

    private static JsonObject ProblemResponse(int status, IEnumerable<string> codes)
    {
        var headers = new JsonObject();
        if (status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            headers["Retry-After"] = HeaderRef("Retry-After");
        }

        var list = codes.ToList();
        return new JsonObject
        {
            ["description"] = $"{ReasonPhrase(status)} ({string.Join(", ", list)}).",
            ["headers"] = headers,
            ["content"] = new JsonObject
            {
                [ProblemJson] = new JsonObject
                {
                    // JSON Schema 2020-12 (OpenAPI 3.1): the keywords beside $ref narrow the shared schema.
                    ["schema"] = new JsonObject
                    {
                        ["$ref"] = "#/components/schemas/" + ProblemSchema,
                        ["properties"] = new JsonObject { ["code"] = new JsonObject { ["enum"] = new JsonArray([.. list.Select(c => JsonValue.Create(c))]) } },
                    },
                },
            },
        };
    }

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";

    private static JsonObject HeaderRef(string name) => new() { ["$ref"] = "#/components/headers/" + name };

    /// <summary>RFC 9457 problem details with Finqware's members: the one error schema of the API.</summary>
    private static JsonObject Problem() => new()
    {
        ["type"] = "object",
        ["description"] = "An RFC 9457 problem document. code is stable (UPPER_SNAKE) and is what a client branches on; trace_id "
            + "identifies the request in Finqware's telemetry; errors lists field errors (field → messages) for validation problems.",
        ["required"] = new JsonArray("status", "title", "code", "trace_id"),
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject { ["type"] = "string", ["format"] = "uri-reference", ["maxLength"] = 2048, ["description"] = "A URI reference identifying the problem type." },
            ["title"] = new JsonObject { ["type"] = "string", ["maxLength"] = 1024, ["description"] = "A short summary of the problem." },
            ["status"] = new JsonObject { ["type"] = "integer", ["format"] = "int32", ["minimum"] = 400, ["maximum"] = 599, ["description"] = "The HTTP status code." },
            ["detail"] = new JsonObject { ["type"] = "string", ["maxLength"] = 4096, ["description"] = "What went wrong in this request and what to do next." },
            ["instance"] = new JsonObject { ["type"] = "string", ["format"] = "uri-reference", ["maxLength"] = 2048, ["description"] = "The request path." },
            ["code"] = new JsonObject { ["type"] = "string", ["pattern"] = "^[A-Z][A-Z0-9_]*$", ["maxLength"] = 64, ["description"] = "The stable problem code." },
            ["trace_id"] = new JsonObject { ["type"] = "string", ["pattern"] = "^[0-9A-Za-z:._-]+$", ["maxLength"] = 128, ["description"] = "The request's trace id." },
            ["errors"] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = "Field errors: the field's name (snake_case, or a path such as skills[0]) → messages.",
                ["maxProperties"] = 100,
                ["additionalProperties"] = new JsonObject
                {
                    ["type"] = "array",
                    ["maxItems"] = 20,
                    ["items"] = new JsonObject { ["type"] = "string", ["maxLength"] = 1024 },
                },
            },
        },
    };

    private static JsonObject Headers() => new()
    {
        ["RateLimit"] = Header(
            "The caller's remaining quota in the current window, per the IETF httpapi RateLimit header fields draft: "
            + "\"<policy>\";r=<remaining>;t=<seconds until the window resets>. Sent on rate-limited routes."),
        ["RateLimit-Policy"] = Header(
            "The quota policies that apply to the route, per the same draft: \"<policy>\";q=<quota>;w=<window in seconds>."),
        ["Retry-After"] = new JsonObject
        {
            ["description"] = "Seconds to wait before retrying (RFC 9110 §10.2.3).",
            ["schema"] = new JsonObject { ["type"] = "integer", ["format"] = "int32", ["minimum"] = 0, ["maximum"] = 86400 },
        },
        ["Idempotent-Replayed"] = new JsonObject
        {
            ["description"] = "true when this answer is the stored answer to an earlier request with the same Idempotency-Key.",
            ["schema"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("true", "false") },
        },
    };

    private static JsonObject Header(string description) => new()
    {
        ["description"] = description,
        ["schema"] = new JsonObject { ["type"] = "string", ["maxLength"] = 512 },
    };

    private static JsonObject IdempotencyKeyParameter() => new()
    {
        ["name"] = "Idempotency-Key",
        ["in"] = "header",
        ["required"] = false,
        ["description"] = "A unique key per logical request (a UUID), per the IETF httpapi Idempotency-Key header field draft. "
            + "A retry with the same key gets the first answer again, marked Idempotent-Replayed: true, instead of doing the work twice.",
        ["schema"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 255, ["pattern"] = "^[\\x21-\\x7E]+$" },
    };

    private static JsonObject SecuritySchemes() => new()
    {
        [ApiSecurity.ClientAppKey] = new JsonObject
        {
            ["type"] = "http",
            ["scheme"] = "basic",
            ["description"] = "A tenant's client app: HTTP Basic with client_id as the user name and client_app_key as the password. "
                + "The app key is safe in a client app: it opens onboarding sessions and reads their statuses, and reads no user data.",
        },
        [ApiSecurity.ClientSecret] = new JsonObject
        {
            ["type"] = "http",
            ["scheme"] = "basic",
            ["description"] = "A tenant's server at POST /oauth/token only: HTTP Basic client_id:client_secret (RFC 6749 §2.3.1; the form "
                + "fields client_id and client_secret are accepted too). The client secret never leaves the tenant's server.",
        },
        [ApiSecurity.ApiToken] = new JsonObject
        {
            ["type"] = "oauth2",
            ["description"] = "A tenant's server: an API token from POST /oauth/token (OAuth 2.0 client credentials), sent as "
                + "Authorization: Bearer. Tokens are short-lived JWTs signed with ES256 whose keys GET /.well-known/jwks.json "
                + "publishes, validated per RFC8725 (algorithm, issuer, audience and expiry checked; no refresh tokens: ask for a new one).",
            ["flows"] = new JsonObject
            {
                ["clientCredentials"] = new JsonObject
                {
                    ["tokenUrl"] = OAuthTokenPath,
                    ["scopes"] = new JsonObject
                    {
                        // Every API token is granted all three today; no route asks for one in particular.
                        ["sessions:read"] = "Sessions and steps with their results (granted to every API token).",
                        ["data:read"] = "Connections, accounts, balances, transactions, applications (granted to every API token).",
                        ["payments:write"] = "Payments (granted to every API token).",
                    },
                },
            },
        },
        [ApiSecurity.PortalToken] = new JsonObject
        {
            ["type"] = "http",
            ["scheme"] = "bearer",
            ["bearerFormat"] = "JWT",
            ["description"] = "A servicer's user: a portal token from POST /auth/token. A short-lived JWT signed with ES256, validated "
                + "per RFC8725; never accepted where an API token is required, nor the reverse.",
        },
    };

    private static void MergeSchemas(JsonObject into, JsonObject? from)
    {
        foreach (var (name, schema) in from ?? [])
        {
            if (into[name] is { } existing)
            {
                if (!JsonNode.DeepEquals(existing, schema))
                {
                    throw new InvalidOperationException($"Two services describe the schema {name} differently: give one of the records another name.");
                }

                continue;
            }

            into[name] = schema!.DeepClone();
        }
    }

    private static JsonObject Sorted(JsonObject source) =>
        new(source.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
}
