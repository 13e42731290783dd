using Finqware.Contracts.Sessions;
using Finqware.SessionService.Applications;
using Finqware.SessionService.Connections;
using Finqware.SessionService.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Finqware.SessionService.Tests;

/// <summary>Who may read the data APIs, what bad input answers, expiry, and the OpenAPI document.</summary>
public sealed class DataAccessTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : WithTestBank(postgres, rabbit)
{
    [Fact]
    public async Task Another_tenants_token_gets_404_on_every_route_and_a_client_app_key_or_no_token_401()
    {
        var owner = await Host.NewTenantAsync();
        var other = await Host.NewTenantAsync();
        var connectionId = await ConnectAsync(owner);
        var sessionId = Guid.NewGuid();
        await Bank.PublishAndWaitAsync(new PaymentInitiated
        {
            PaymentId = "pay-1", SessionId = sessionId, StepId = Guid.NewGuid(), ClientId = owner.ClientId, Skill = TestBank.Skill,
            CreditorName = "Utility Co", CreditorIban = "DE89370400440532013000", Amount = 1m, Currency = "EUR", Status = "RCVD", At = DateTimeOffset.UtcNow,
        }, nameof(PaymentInitiatedConsumer));
        await Bank.PublishAndWaitAsync(new ApplicationUpdated
        {
            ApplicationId = "app-1", SessionId = sessionId, ClientId = owner.ClientId, Skill = TestSkills.Deposit, Product = "deposit", Status = "OFFERED", At = DateTimeOffset.UtcNow,
        }, nameof(ApplicationUpdatedConsumer));

        var account = $"{connectionId}-current";
        var routes = new (HttpMethod Method, string Path, object? Body, string Code, string Unknown)[]
        {
            (HttpMethod.Get, $"/connections/{connectionId}", null, "CONNECTION_NOT_FOUND", "/connections/nope"),
            (HttpMethod.Delete, $"/connections/{connectionId}", null, "CONNECTION_NOT_FOUND", "/connections/nope"),
            (HttpMethod.Post, $"/connections/{connectionId}/refresh", null, "CONNECTION_NOT_FOUND", "/connections/nope/refresh"),
            (HttpMethod.Get, $"/accounts?connection_id={connectionId}", null, "CONNECTION_NOT_FOUND", "/accounts?connection_id=nope"),
            (HttpMethod.Get, $"/accounts/{account}", null, "ACCOUNT_NOT_FOUND", "/accounts/nope"),
            (HttpMethod.Get, $"/accounts/{account}/balances", null, "ACCOUNT_NOT_FOUND", "/accounts/nope/balances"),
            (HttpMethod.Get, $"/accounts/{account}/transactions", null, "ACCOUNT_NOT_FOUND", "/accounts/nope/transactions"),
            (HttpMethod.Post, "/transactions/sync", new { connection_id = connectionId }, "CONNECTION_NOT_FOUND", "/transactions/sync"),
            (HttpMethod.Get, "/payments/pay-1", null, "PAYMENT_NOT_FOUND", "/payments/nope"),
            (HttpMethod.Get, "/applications/app-1", null, "APPLICATION_NOT_FOUND", "/applications/nope"),
        };
        foreach (var (method, path, body, code, unknown) in routes)
        {
            var (status, problem) = await Host.SendAsync(method, path, body, SessionHost.Bearer(Host.ApiToken(other.ClientId)));
            Assert.True(status == 404, $"{method} {path}: {status} {problem}");
            Assert.Equal(code, problem.GetProperty("code").GetString());
            var (_, missing) = await Host.SendAsync(method, unknown, body is null ? null : new { connection_id = "nope" }, SessionHost.Bearer(Host.ApiToken(owner.ClientId)));
            Assert.Equal((missing.GetProperty("title").GetString(), missing.GetProperty("detail").GetString()), (problem.GetProperty("title").GetString(), problem.GetProperty("detail").GetString()));

            foreach (var credential in new AuthenticationHeaderValue?[] { SessionHost.Basic(owner.ClientId, owner.AppKey), null, SessionHost.Bearer("not-a-token"), SessionHost.Bearer(Host.ApiToken(owner.ClientId, audience: "portal")) })
            {
                var (refused, unauthorized) = await Host.SendAsync(method, path, body, credential);
                Assert.True(refused == 401, $"{method} {path} with {credential?.Scheme ?? "nothing"}: {refused}");
                Assert.Equal("UNAUTHORIZED", unauthorized.GetProperty("code").GetString());
            }
        }

        Assert.Empty((await Host.SendAsync(HttpMethod.Get, "/connections", auth: SessionHost.Bearer(Host.ApiToken(other.ClientId)))).Body.GetProperty("connections").EnumerateArray());
        Assert.Empty((await Host.SendAsync(HttpMethod.Get, "/accounts", auth: SessionHost.Bearer(Host.ApiToken(other.ClientId)))).Body.GetProperty("accounts").EnumerateArray());
        Assert.Equal(401, (await Host.SendAsync(HttpMethod.Get, "/connections", auth: SessionHost.Basic(owner.ClientId, owner.AppKey))).Status);

        // Nothing the other tenant tried changed the owner's connection.
        var (_, connection) = await Host.SendAsync(HttpMethod.Get, $"/connections/{connectionId}", auth: SessionHost.Bearer(Host.ApiToken(owner.ClientId)));
        Assert.Equal("ACTIVE", connection.GetProperty("status").GetString());
        Assert.Empty(Bank.Refreshes);
    }

    [Fact]
    public async Task Bad_queries_and_cursors_are_problems_with_stable_codes()
    {
        var tenant = await Host.NewTenantAsync();
        var connectionId = await ConnectAsync(tenant);
        var otherConnection = await ConnectAsync(tenant);
        var transactions = $"/accounts/{connectionId}-current/transactions";
        var (_, page) = await GetAsync(tenant, $"/accounts/{otherConnection}-current/transactions?limit=1");
        var foreignListCursor = page.GetProperty("next_cursor").GetString();
        var (_, sync) = await Host.SendAsync(HttpMethod.Post, "/transactions/sync", new { connection_id = otherConnection }, Token(tenant));
        var foreignSyncCursor = sync.GetProperty("next_cursor").GetString();

        foreach (var (query, status, code, field) in new (string, int, string, string?)[]
        {
            ("?limit=0", 422, "VALIDATION_FAILED", "limit"),
            ("?limit=501", 422, "VALIDATION_FAILED", "limit"),
            ("?limit=ten", 422, "VALIDATION_FAILED", "limit"),
            ("?from=2026-13-01", 422, "VALIDATION_FAILED", "from"),
            ("?to=12.01.2026", 422, "VALIDATION_FAILED", "to"),
            ("?from=2026-02-01&to=2026-01-01", 422, "INVALID_DATE_RANGE", "from"),
            ("?cursor=garbage", 400, "INVALID_CURSOR", null),
            ("?cursor=" + foreignListCursor, 400, "INVALID_CURSOR", null),
            ("?cursor=" + foreignSyncCursor, 400, "INVALID_CURSOR", null),
        })
        {
            var (actual, problem) = await GetAsync(tenant, transactions + query);
            Assert.True(actual == status, $"{query}: {actual} {problem}");
            Assert.Equal(code, problem.GetProperty("code").GetString());
            if (field is not null)
            {
                Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
            }
        }

        Assert.Equal(200, (await GetAsync(tenant, transactions + "?limit=500&from=2026-01-01&to=2026-01-31")).Status);

        foreach (var (body, status, code) in new (object, int, string)[]
        {
            (new { connection_id = connectionId, cursor = "garbage" }, 400, "INVALID_CURSOR"),
            (new { connection_id = connectionId, cursor = foreignSyncCursor }, 400, "INVALID_CURSOR"),
            (new { connection_id = connectionId, cursor = foreignListCursor }, 400, "INVALID_CURSOR"),
            (new { connection_id = connectionId, count = 0 }, 422, "VALIDATION_FAILED"),
            (new { connection_id = connectionId, count = 501 }, 422, "VALIDATION_FAILED"),
            (new { cursor = "" }, 422, "VALIDATION_FAILED"),
            ("{\"connection_id\": ", 400, "MALFORMED_JSON"),
        })
        {
            var (actual, problem) = await Host.SendAsync(HttpMethod.Post, "/transactions/sync", body, Token(tenant));
            Assert.True(actual == status, $"{body}: {actual} {problem}");
            Assert.Equal(code, problem.GetProperty("code").GetString());
        }

        var (badStatus, badProblem) = await GetAsync(tenant, "/connections?status=DELETED");
        Assert.Equal((422, "VALIDATION_FAILED"), (badStatus, badProblem.GetProperty("code").GetString()));
        Assert.Equal(404, (await GetAsync(tenant, "/accounts/" + new string('a', 300))).Status);
    }

    [Fact]
    public async Task The_sweep_warns_once_seven_days_before_valid_until_and_then_expires_the_connection()
    {
        var tenant = await Host.NewTenantAsync("http://127.0.0.1:9/hook");
        var connectionId = await ConnectAsync(tenant);
        var validUntil = Bank.Consents[connectionId].ValidUntil;
        var sweep = Host.Services.GetRequiredService<ConnectionExpirySweep>();
        Task<int> Warnings() => Host.QueryAsync(db => db.WebhookDeliveries.CountAsync(w => w.ClientId == tenant.ClientId && w.EventType == "CONNECTION_EXPIRING"));

        // Eight days before: nothing yet.
        Host.Clock.SetUtcNow(validUntil.AddDays(-8));
        await sweep.SweepAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, await Warnings());

        // Six days before: one warning, however often the sweep runs (the background one runs on the same clock).
        Host.Clock.SetUtcNow(validUntil.AddDays(-6));
        await sweep.SweepAsync(TestContext.Current.CancellationToken);
        await Host.WaitForAsync(async db => await db.Connections.AnyAsync(c => c.ConnectionId == connectionId && c.ExpiringNotifiedAt != null));
        await sweep.SweepAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, await Warnings());
        var warning = JsonDocument.Parse(await Host.QueryAsync(db => db.WebhookDeliveries.Where(w => w.EventType == "CONNECTION_EXPIRING").Select(w => w.Payload).SingleAsync())).RootElement;
        Assert.Equal(connectionId, warning.GetProperty("connection_id").GetString());
        Assert.Equal(validUntil, warning.GetProperty("valid_until").GetDateTimeOffset());
        Assert.Equal(200, (await GetAsync(tenant, $"/accounts/{connectionId}-current")).Status);

        // Past valid_until: EXPIRED, reads refused, the connection itself still readable.
        Host.Clock.SetUtcNow(validUntil.AddSeconds(1));
        await sweep.SweepAsync(TestContext.Current.CancellationToken);
        await Host.WaitForAsync(async db => await db.Connections.AnyAsync(c => c.ConnectionId == connectionId && c.Status == ConnectionStatus.Expired));
        Assert.Equal(1, await Warnings());
        foreach (var path in new[] { $"/accounts/{connectionId}-current", $"/accounts/{connectionId}-current/balances", $"/accounts/{connectionId}-current/transactions", $"/accounts?connection_id={connectionId}" })
        {
            var (status, problem) = await GetAsync(tenant, path);
            Assert.True(status == 403, $"{path}: {status}");
            Assert.Equal("CONNECTION_EXPIRED", problem.GetProperty("code").GetString());
        }

        var (syncStatus, syncProblem) = await Host.SendAsync(HttpMethod.Post, "/transactions/sync", new { connection_id = connectionId }, Token(tenant));
        Assert.Equal((403, "CONNECTION_EXPIRED"), (syncStatus, syncProblem.GetProperty("code").GetString()));
        Assert.Equal(403, (await Host.SendAsync(HttpMethod.Post, $"/connections/{connectionId}/refresh", auth: Token(tenant))).Status);
        Assert.Equal("EXPIRED", (await GetAsync(tenant, $"/connections/{connectionId}")).Body.GetProperty("status").GetString());
        Assert.Single((await GetAsync(tenant, "/connections?status=EXPIRED")).Body.GetProperty("connections").EnumerateArray());
    }

    [Fact]
    public async Task The_openapi_document_lists_every_data_endpoint_with_its_responses()
    {
        var (status, document) = await Host.SendAsync(HttpMethod.Get, "/openapi/v1.json");
        Assert.Equal(200, status);
        var paths = document.GetProperty("paths");
        foreach (var (path, method, operation, responses) in new (string, string, string, string[])[]
        {
            ("/connections", "get", "ListConnections", ["200"]),
            ("/connections/{connection_id}", "get", "GetConnection", ["200"]),
            ("/connections/{connection_id}", "delete", "RevokeConnection", ["204"]),
            ("/connections/{connection_id}/refresh", "post", "RefreshConnection", ["202"]),
            ("/accounts", "get", "ListAccounts", ["200"]),
            ("/accounts/{account_id}", "get", "GetAccount", ["200"]),
            ("/accounts/{account_id}/balances", "get", "GetBalances", ["200"]),
            ("/accounts/{account_id}/transactions", "get", "ListTransactions", ["200"]),
            ("/transactions/sync", "post", "SyncTransactions", ["200"]),
            ("/payments/{payment_id}", "get", "GetPayment", ["200"]),
            ("/applications/{application_id}", "get", "GetApplication", ["200"]),
        })
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing from the OpenAPI document");
            var op = item.GetProperty(method);
            Assert.Equal(operation, op.GetProperty("operationId").GetString());
            foreach (var response in responses)
            {
                Assert.True(op.GetProperty("responses").TryGetProperty(response, out _), $"{method} {path} does not document {response}");
            }
        }

        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("TransactionView").GetProperty("properties").TryGetProperty("transaction_id", out _));
        Assert.True(schemas.GetProperty("SyncResponse").GetProperty("properties").TryGetProperty("next_cursor", out _));
    }

    private async Task<string> ConnectAsync(TestTenant tenant)
    {
        var connectionId = $"conn-{Guid.NewGuid():N}";
        Bank.Consents[connectionId] = new BankConsent
        {
            ConnectionId = connectionId, ClientId = tenant.ClientId, SessionId = Guid.NewGuid(),
            ValidUntil = new DateTimeOffset(Host.Clock.GetUtcNow().AddDays(90).UtcDateTime.Date, TimeSpan.Zero), Accounts = TestBank.SandboxAccounts(connectionId),
        };
        await Bank.PublishSyncAsync(connectionId);
        await Host.WaitForAsync(db => db.Connections.AnyAsync(c => c.ConnectionId == connectionId));
        return connectionId;
    }

    private Task<(int Status, JsonElement Body)> GetAsync(TestTenant tenant, string path) => Host.SendAsync(HttpMethod.Get, path, auth: Token(tenant));

    private AuthenticationHeaderValue Token(TestTenant tenant) => SessionHost.Bearer(Host.ApiToken(tenant.ClientId));
}
