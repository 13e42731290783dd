using System.Security.Cryptography;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Finqware.SessionService.Tests;

/// <summary>
/// Who may call which route group: every credential a client can get wrong (malformed, forged, of another algorithm,
/// audience or tenant, expired, too long) is a 401 problem with code UNAUTHORIZED on every route that requires one, never
/// a 500; and the OpenAPI document shows the security schemes.
/// </summary>
public sealed class AccessTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private SessionHost host = null!;
    private TestTenant tenant = null!;

    public async ValueTask InitializeAsync()
    {
        host = await SessionHost.StartAsync(postgres, rabbit, withConnector: false);
        tenant = await host.NewTenantAsync();
    }

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    /// <summary>Every route that requires a credential in Authorization, and whether only the server (API token) may call it.</summary>
    private static readonly (HttpMethod Method, string Path, object? Body, bool ServerOnly)[] Routes =
    [
        (HttpMethod.Get, $"/sessions/{Guid.NewGuid()}", null, false),
        (HttpMethod.Get, $"/sessions/{Guid.NewGuid()}/steps/{Guid.NewGuid()}?wait=1", null, false),
        (HttpMethod.Post, $"/sessions/{Guid.NewGuid()}/cancel", null, false),
        (HttpMethod.Get, $"/sessions/{Guid.NewGuid()}/webhooks", null, true),
        (HttpMethod.Get, "/sessions/webhook-deliveries", null, true),
        (HttpMethod.Get, $"/sessions/webhook-deliveries/{Guid.NewGuid()}", null, true),
        (HttpMethod.Post, $"/sessions/webhook-deliveries/{Guid.NewGuid()}/redeliver", null, true),
        (HttpMethod.Get, "/connections", null, true),
        (HttpMethod.Get, "/connections/conn-1", null, true),
        (HttpMethod.Delete, "/connections/conn-1", null, true),
        (HttpMethod.Post, "/connections/conn-1/refresh", null, true),
        (HttpMethod.Get, "/accounts?connection_id=conn-1", null, true),
        (HttpMethod.Get, "/accounts/acc-1", null, true),
        (HttpMethod.Get, "/accounts/acc-1/balances", null, true),
        (HttpMethod.Get, "/accounts/acc-1/transactions", null, true),
        (HttpMethod.Post, "/transactions/sync", new { connection_id = "conn-1" }, true),
        (HttpMethod.Get, "/payments/pay-1", null, true),
        (HttpMethod.Get, "/applications/app-1", null, true),
    ];

    [Fact]
    public async Task Every_malformed_forged_or_expired_credential_is_a_401_problem_on_every_route()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var credentials = new (string What, AuthenticationHeaderValue? Header)[]
        {
            ("no credential", null),
            ("a bearer of three dots' parts that are not base64 JSON", new("Bearer", "x.y.z")),
            ("a bearer that is not a JWT", new("Bearer", "not-a-token")),
            ("a bearer of 10 000 characters", new("Bearer", new string('a', 10_000))),
            ("a bearer without a token", new("Bearer")),
            ("the app key as a bearer", new("Bearer", tenant.AppKey)),
            ("an unsigned JWT (alg none)", new("Bearer", Token(null))),
            ("a JWT signed HS256 under the right key id", new("Bearer", Token(new SigningCredentials(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = "test-key" }, SecurityAlgorithms.HmacSha256)))),
            ("a JWT signed with another key under the right key id", new("Bearer", Token(new SigningCredentials(new ECDsaSecurityKey(otherKey) { KeyId = "test-key" }, SecurityAlgorithms.EcdsaSha256)))),
            ("an expired API token", new("Bearer", host.ApiToken(tenant.ClientId, expires: DateTime.UtcNow.AddMinutes(-5)))),
            ("a portal token", new("Bearer", host.ApiToken(tenant.ClientId, "finqware-portal"))),
            ("an API token of a tenant SessionService does not know", new("Bearer", host.ApiToken("fqc_nobody"))),
            ("Basic that is not base64", new("Basic", "!!not base64!!")),
            ("Basic without a colon", new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(tenant.ClientId)))),
            ("Basic of 4 000 characters", new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{tenant.ClientId}:{new string('k', 3000)}")))),
            ("Basic with a client_id of 100 characters", SessionHost.Basic(new string('c', 100), tenant.AppKey)),
            ("Basic with a wrong app key", SessionHost.Basic(tenant.ClientId, "fqak_wrong")),
            ("Basic of bytes that are not UTF-8", new("Basic", Convert.ToBase64String([0xff, 0xfe, (byte)':', 0xc3]))),
            ("Basic without a parameter", new("Basic")),
            ("another scheme", new("Digest", "username=\"x\"")),
        };

        foreach (var (method, path, body, _) in Routes)
        {
            foreach (var (what, header) in credentials)
            {
                var (status, problem) = await host.SendAsync(method, path, body, header);
                Assert.True(status == 401, $"{method} {path} with {what}: {status} {problem}");
                Assert.Equal("UNAUTHORIZED", problem.GetProperty("code").GetString());
                Assert.True(problem.TryGetProperty("trace_id", out _), problem.ToString());
            }
        }
    }

    [Fact]
    public async Task The_client_app_key_is_refused_where_only_the_server_may_read_and_the_refusal_says_what_to_send()
    {
        var appKey = SessionHost.Basic(tenant.ClientId, tenant.AppKey);
        var token = SessionHost.Bearer(host.ApiToken(tenant.ClientId));
        foreach (var (method, path, body, serverOnly) in Routes)
        {
            var (status, problem) = await host.SendAsync(method, path, body, appKey);
            Assert.True(serverOnly ? status == 401 : status == 404, $"{method} {path} with the app key: {status} {problem}");
            if (serverOnly)
            {
                Assert.Equal(("UNAUTHORIZED", "An API token is required."), (problem.GetProperty("code").GetString(), problem.GetProperty("title").GetString()));
            }

            // Past access, the route answers for itself: here, an id it does not know.
            var (withToken, answer) = await host.SendAsync(method, path, body, token);
            Assert.True(withToken is 200 or 404, $"{method} {path} with the token: {withToken} {answer}");
        }

        var (_, unauthenticated) = await host.SendAsync(HttpMethod.Get, $"/sessions/{Guid.NewGuid()}");
        Assert.Equal("Credentials are required.", unauthenticated.GetProperty("title").GetString());
    }

    [Fact]
    public void Every_route_is_in_the_architecture_table_under_sessions_with_the_folder_of_its_handler() =>
        Assert.Empty(RouteTable.Differences(host.Services.GetRequiredService<EndpointDataSource>(), "sessions"));

    [Fact]
    public async Task The_openapi_document_declares_the_security_schemes_and_each_operations_requirement()
    {
        var (status, document) = await host.SendAsync(HttpMethod.Get, "/openapi/v1.json");
        Assert.Equal(200, status);
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal(("http", "basic"), (schemes.GetProperty("clientAppKey").GetProperty("type").GetString(), schemes.GetProperty("clientAppKey").GetProperty("scheme").GetString()));
        Assert.Equal("oauth2", schemes.GetProperty("apiToken").GetProperty("type").GetString());
        Assert.Equal("/oauth/token", schemes.GetProperty("apiToken").GetProperty("flows").GetProperty("clientCredentials").GetProperty("tokenUrl").GetString());

        var paths = document.GetProperty("paths");
        string[] Security(string path, string method) => paths.GetProperty(path).GetProperty(method).TryGetProperty("security", out var security)
            ? [.. security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).Order(StringComparer.Ordinal)]
            : [];
        Assert.Equal(["apiToken", "clientAppKey"], Security("/sessions/{session_id}", "get"));
        Assert.Equal(["apiToken", "clientAppKey"], Security("/sessions/{session_id}/steps/{step_id}", "get"));
        Assert.Equal(["apiToken", "clientAppKey"], Security("/sessions/{session_id}/cancel", "post"));
        foreach (var (path, method) in new[] { ("/sessions/webhook-deliveries", "get"), ("/sessions/webhook-deliveries/{delivery_id}", "get"), ("/sessions/webhook-deliveries/{delivery_id}/redeliver", "post"), ("/connections", "get"), ("/accounts/{account_id}/transactions", "get"), ("/transactions/sync", "post"), ("/payments/{payment_id}", "get") })
        {
            Assert.Equal(["apiToken"], Security(path, method));
        }

        // The seed's body credentials: named, with their fields, where OpenAPI has no scheme for them.
        foreach (var (path, scheme, field) in new[] { ("/sessions", "clientAppKey", "client_app_key"), ("/sessions/{session_id}/steps", "nonce", "nonce"), ("/steps/{step_id}/upload", "nonce", "nonce") })
        {
            var operation = paths.GetProperty(path).GetProperty("post");
            Assert.Empty(Security(path, "post"));
            var credentials = operation.GetProperty("x-credentials");
            Assert.Equal((scheme, "body"), (credentials.GetProperty("scheme").GetString(), credentials.GetProperty("in").GetString()));
            Assert.Equal(["client_id", field], credentials.GetProperty("fields").EnumerateArray().Select(f => f.GetString()));
        }

        // The caller is bound from the request's principal: it is neither a parameter nor a body.
        Assert.Equal(["session_id"], paths.GetProperty("/sessions/{session_id}").GetProperty("get").GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.False(paths.GetProperty("/connections").GetProperty("get").TryGetProperty("requestBody", out _));
    }

    private string Token(SigningCredentials? signing) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "finqware",
        Audience = "finqware-api",
        Expires = DateTime.UtcNow.AddMinutes(15),
        Claims = new Dictionary<string, object> { ["client_id"] = tenant.ClientId },
        SigningCredentials = signing,
    });
}
