using System.Text.Json.Nodes;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// The data APIs (docs/data-api.md, docs/graphql.md) end to end through the gateway, against the sandbox bank connector:
/// what a completed AISP consent and a PISP payment let the tenant's server read over REST and GraphQL, the
/// transactions sync across the bank booking its pending transactions, a revoked connection, and another tenant.
/// Every call is a plain HTTP call to the gateway, as a tenant's server makes it.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class DataApiTests(SystemFixture system) : IAsyncLifetime
{
    private const string Deposit = "xyz_sbx_#3.0";

    private static readonly string[] AccountFields = ["account_id", "iban", "name", "kind", "currency"];

    private SandboxBankDriver bank = null!;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => bank = await SandboxBankDriver.StartAsync(system, Cancel);

    public async ValueTask DisposeAsync() => await bank.DisposeAsync();

    [Fact]
    public async Task An_aisp_consent_is_read_and_synced_and_pending_transactions_that_book_come_as_modified_never_twice()
    {
        var (session, sca) = await bank.ConsentAsync("user_good");
        Assert.Equal("COMPLETED", sca.GetProperty("status").GetString());
        var connectionId = sca.GetProperty("result").GetProperty("connection_id").GetString()!;
        var consented = JsonNode.Parse(sca.GetProperty("result").GetProperty("accounts").GetRawText())!.AsArray();

        // A sync from no cursor, as soon as the consent's data is in: everything is added, pending ones too.
        var first = await SyncUntilAsync(connectionId, null, s => s.Added.Count > 0, "the consent's data");
        Assert.Empty(first.Modified);
        Assert.Empty(first.Removed);
        Assert.Equal(first.Added.Count, first.Added.Select(t => Id(t)).Distinct().Count());
        var copy = first.Added.ToDictionary(Id, t => t);
        var pending = copy.Values.Where(t => Str(t, "status") == "PENDING").Select(Id).ToHashSet();
        Assert.True(pending.Count > 0,
            $"the sandbox keeps today's and yesterday's transactions pending for a moment after consent; none were ({copy.Count} transactions)");
        Assert.All(copy.Values, t => Assert.True(Str(t, "status") is "BOOKED" or "PENDING", t.ToJsonString()));
        Assert.Equal(consented.Select(a => Str(a!, "account_id")).Order(), copy.Values.Select(t => Str(t, "account_id")).Distinct().Order());

        // Then from the returned cursor, until the bank has booked them (its second ConnectionDataSynced is applied).
        var cursor = first.Cursor;
        var modified = new List<JsonNode>();
        var removed = new List<JsonNode>();
        var addedLater = new List<JsonNode>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (copy.Values.Any(t => Str(t, "status") == "PENDING"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the sandbox did not book its pending transactions within 60 s: {string.Join(", ", pending)}");
            await Task.Delay(500, Cancel);
            var next = await SyncAllAsync(connectionId, cursor);
            cursor = next.Cursor;
            foreach (var t in next.Added)
            {
                Assert.False(copy.ContainsKey(Id(t)), $"{Id(t)} was added a second time: {t.ToJsonString()}");
                copy[Id(t)] = t;
                addedLater.Add(t);
            }

            foreach (var t in next.Modified)
            {
                Assert.True(copy.ContainsKey(Id(t)), $"{Id(t)} was modified without ever being added");
                copy[Id(t)] = t;
                modified.Add(t);
            }

            foreach (var t in next.Removed)
            {
                Assert.True(copy.Remove(Id(t)), $"{Id(t)} was removed without being there");
                removed.Add(t);
            }
        }

        // The sandbox keeps the ids: every pending transaction came back modified and booked (or, consistently,
        // removed); nothing was added twice; what the copy holds is what a sync from scratch now returns.
        Assert.NotEmpty(modified);
        foreach (var id in pending)
        {
            Assert.True(modified.Any(t => Id(t) == id) || removed.Any(t => Id(t) == id), $"pending {id} was neither modified nor removed");
        }

        Assert.All(modified, t => Assert.Contains(Id(t), pending));
        Assert.All(modified, t => Assert.Equal("BOOKED", Str(t, "status")));
        var fresh = await SyncAllAsync(connectionId, null);
        Assert.Equal(fresh.Added.Count, fresh.Added.Select(Id).Distinct().Count());
        Assert.Empty(fresh.Modified);
        Assert.Equal(Sorted(copy.Values), Sorted(fresh.Added));
        Assert.DoesNotContain(addedLater, t => pending.Contains(Id(t)));
        var quiet = await SyncAllAsync(connectionId, cursor);
        Assert.Equal((0, 0, 0), (quiet.Added.Count, quiet.Modified.Count, quiet.Removed.Count));

        // The connection, its accounts and balances, as the consent step's result described them.
        var connection = await ReadAsync(bank.Server, $"/connections/{connectionId}");
        Assert.Equal(("ACTIVE", session.Id.ToString(), SandboxBankDriver.Aisp), (Str(connection, "status"), Str(connection, "session_id"), Str(connection, "skill")));
        Assert.Equal(
            DateTimeOffset.Parse(sca.GetProperty("result").GetProperty("valid_until").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(Str(connection, "valid_until"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(AccountsById(consented), AccountsById(connection["accounts"]!.AsArray()));
        var listed = await ReadAsync(bank.Server, "/connections?status=ACTIVE");
        Assert.Contains(listed["connections"]!.AsArray(), c => Str(c!, "connection_id") == connectionId);
        var accounts = (await ReadAsync(bank.Server, $"/accounts?connection_id={connectionId}"))["accounts"]!.AsArray();
        Assert.Equal(AccountsById(consented), AccountsById(accounts));
        Assert.All(accounts, a => Assert.Equal(connectionId, Str(a!, "connection_id")));
        var all = (await ReadAsync(bank.Server, "/accounts"))["accounts"]!.AsArray();
        Assert.Equal(3, all.Count(a => Str(a!, "connection_id") == connectionId));

        foreach (var account in accounts)
        {
            var accountId = Str(account!, "account_id");
            Assert.True(JsonNode.DeepEquals(account, await ReadAsync(bank.Server, $"/accounts/{accountId}")));
            var balances = await ReadAsync(bank.Server, $"/accounts/{accountId}/balances");
            Assert.Equal(accountId, Str(balances, "account_id"));
            Assert.Equal(["closingBooked", "interimAvailable"], balances["balances"]!.AsArray().Select(b => Str(b!, "type")).Order());
            Assert.All(balances["balances"]!.AsArray(), b => Assert.Matches(@"^-?\d+\.\d{2}$", Str(b!, "amount")));

            // Every page of the account's transactions, newest first: the sync's copy of this account, each once.
            var pages = new List<JsonNode>();
            string? pageCursor = null;
            do
            {
                var page = await ReadAsync(bank.Server, $"/accounts/{accountId}/transactions?limit=37" + (pageCursor is null ? "" : "&cursor=" + Uri.EscapeDataString(pageCursor)));
                pages.AddRange(page["transactions"]!.AsArray().Select(t => t!));
                pageCursor = page["has_more"]!.GetValue<bool>() ? Str(page, "next_cursor") : null;
            }
            while (pageCursor is not null);

            Assert.Equal(pages.Count, pages.Select(Id).Distinct().Count());
            Assert.Equal(Sorted(copy.Values.Where(t => Str(t, "account_id") == accountId)), Sorted(pages));
            var dates = pages.Select(t => t["booking_date"]?.GetValue<string>() ?? "").ToList();
            Assert.Equal(dates.OrderDescending(StringComparer.Ordinal), dates);
        }
    }

    [Theory]
    [InlineData("25.00", "ACSC", null, new[] { "RCVD", "ACTC", "ACSP", "ACSC" })]
    [InlineData("666.66", "RJCT", "AM04 insufficient funds", new[] { "RCVD", "RJCT" })]
    public async Task A_payment_is_followed_through_get_payments_to_its_final_status(string amount, string final, string? reason, string[] history)
    {
        var (session, paymentId) = await PayAsync(amount);

        var payment = await PaymentAsync(bank.Server, paymentId, final);

        Assert.Equal((paymentId, session.Id.ToString(), SandboxBankDriver.Pisp, final), (Str(payment, "payment_id"), Str(payment, "session_id"), Str(payment, "skill"), Str(payment, "status")));
        Assert.Equal(reason, payment["reason"]?.GetValue<string>());
        Assert.Equal(("Jane Doe", "DE89370400440532013000", amount, "EUR", "Invoice 42"),
            (Str(payment, "creditor_name"), Str(payment, "creditor_iban"), Str(payment, "amount"), Str(payment, "currency"), Str(payment, "remittance_information")));
        Assert.Equal(history, payment["status_history"]!.AsArray().Select(h => Str(h!, "status")));
        Assert.Equal(reason, payment["status_history"]!.AsArray()[^1]!["reason"]?.GetValue<string>());
    }

    [Fact]
    public async Task Graphql_answers_the_same_connections_accounts_balances_transactions_and_payments_as_rest()
    {
        var (_, sca) = await bank.ConsentAsync("user_good");
        var connectionId = sca.GetProperty("result").GetProperty("connection_id").GetString()!;
        // Read once the bank has booked what was pending, so REST and GraphQL read the same data.
        await SyncUntilAsync(connectionId, null, s => s.Added.Count > 0 && s.Added.All(t => Str(t, "status") == "BOOKED"), "the booked data");
        var (_, paymentId) = await PayAsync("25.00");
        var restPayment = await PaymentAsync(bank.Server, paymentId, "ACSC");

        const string transactionFields = "transaction_id account_id status amount currency booking_date value_date counterparty_name remittance_information";
        var query = $$"""
            query Data($connection: ID!, $payment: ID!) {
              connections { connection_id status }
              connection(connection_id: $connection) {
                connection_id session_id skill status valid_until created_at last_synced_at last_refresh_error { code message at }
                accounts {
                  account_id connection_id iban name kind currency
                  balances { type amount currency reference_date }
                  transactions(first: 7) { nodes { {{transactionFields}} } page_info { end_cursor has_next_page } }
                }
              }
              payment(payment_id: $payment) {
                payment_id session_id skill status reason creditor_name creditor_iban amount currency remittance_information
                created_at updated_at status_history { status reason at }
              }
            }
            """;
        var (status, graph) = await QueryAsync(bank.Server, query, new { connection = connectionId, payment = paymentId });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(graph.ContainsKey("errors"), graph.ToJsonString());
        var restList = await ReadAsync(bank.Server, "/connections");
        Assert.Equal(
            restList["connections"]!.AsArray().Select(c => (Str(c!, "connection_id"), Str(c!, "status"))),
            graph["data"]!["connections"]!.AsArray().Select(c => (Str(c!, "connection_id"), Str(c!, "status"))));
        Assert.True(JsonNode.DeepEquals(WithoutNulls(restPayment), WithoutNulls(graph["data"]!["payment"])), $"REST: {restPayment.ToJsonString()}\nGraphQL: {graph["data"]!["payment"]!.ToJsonString()}");

        // The REST documents the GraphQL connection stands for, put together.
        var expected = (await ReadAsync(bank.Server, $"/connections/{connectionId}")).AsObject();
        foreach (var account in expected["accounts"]!.AsArray())
        {
            var accountId = Str(account!, "account_id");
            account!["balances"] = (await ReadAsync(bank.Server, $"/accounts/{accountId}/balances"))["balances"]!.DeepClone();
            var page = await ReadAsync(bank.Server, $"/accounts/{accountId}/transactions?limit=7");
            account["transactions"] = new JsonObject
            {
                ["nodes"] = page["transactions"]!.DeepClone(),
                ["page_info"] = new JsonObject { ["end_cursor"] = page["next_cursor"]?.DeepClone(), ["has_next_page"] = page["has_more"]!.DeepClone() },
            };
        }

        var actual = graph["data"]!["connection"];
        Assert.True(JsonNode.DeepEquals(WithoutNulls(expected), WithoutNulls(actual)), $"REST: {expected.ToJsonString()}\nGraphQL: {actual!.ToJsonString()}");

        // The next page through GraphQL's after is REST's next page, on an account that has one. Accounts come in
        // account_id order, which is random per connection, and the savings account holds only about 8 transactions
        // over 120 days (7 on some dates), so the first account may have a single page of 7.
        var first = expected["accounts"]!.AsArray().First(a => a!["transactions"]!["page_info"]!["has_next_page"]!.GetValue<bool>())!;
        var after = Str(first["transactions"]!["page_info"]!, "end_cursor");
        var (_, next) = await QueryAsync(bank.Server,
            $$"""query Next($account: ID!, $after: String) { account(account_id: $account) { transactions(first: 7, after: $after) { edges { node { {{transactionFields}} } } page_info { end_cursor has_next_page } } } }""",
            new { account = Str(first, "account_id"), after });
        Assert.False(next.ContainsKey("errors"), next.ToJsonString());
        var restNext = await ReadAsync(bank.Server, $"/accounts/{Str(first, "account_id")}/transactions?limit=7&cursor={Uri.EscapeDataString(after)}");
        var graphNext = next["data"]!["account"]!["transactions"]!;
        Assert.True(JsonNode.DeepEquals(
            WithoutNulls(restNext["transactions"]),
            WithoutNulls(new JsonArray([.. graphNext["edges"]!.AsArray().Select(e => e!["node"]!.DeepClone())]))));
        Assert.Equal(restNext["next_cursor"]?.GetValue<string>(), graphNext["page_info"]!["end_cursor"]?.GetValue<string>());
    }

    [Fact]
    public async Task Graphql_answers_the_standard_introspection_query_and_refuses_an_over_deep_data_query()
    {
        var (status, schema) = await QueryAsync(bank.Server, IntrospectionQuery);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(schema.ContainsKey("errors"), schema.ToJsonString());
        Assert.Equal("Query", Str(schema["data"]!["__schema"]!["queryType"]!, "name"));
        var types = schema["data"]!["__schema"]!["types"]!.AsArray().ToDictionary(t => Str(t!, "name"), t => t!);
        foreach (var type in new[] { "Connection", "Account", "Balance", "Transaction", "TransactionConnection", "PageInfo", "Payment", "Application" })
        {
            Assert.True(types.ContainsKey(type), $"introspection lists no {type}");
        }

        var query = types["Query"]["fields"]!.AsArray().Select(f => Str(f!, "name")).ToList();
        Assert.Superset(new HashSet<string> { "connections", "connection", "accounts", "account", "payment", "application" }, query.ToHashSet());
        var transactions = types["Account"]["fields"]!.AsArray().Single(f => Str(f!, "name") == "transactions")!;
        Assert.Equal(["after", "first", "from", "to"], transactions["args"]!.AsArray().Select(a => Str(a!, "name")).Order());

        // account → connection → accounts → connection … far deeper than the limit (15): refused before any read.
        var deep = "{ account(account_id: \"acc_x\") { " + string.Concat(Enumerable.Repeat("connection { accounts { ", 8)) + "account_id" + new string('}', 16) + " } }";
        var (deepStatus, refused) = await QueryAsync(bank.Server, deep);

        Assert.Equal(HttpStatusCode.BadRequest, deepStatus);
        Assert.False(refused.ContainsKey("data"), refused.ToJsonString());
        Assert.Equal("QUERY_TOO_DEEP", Code(refused));
    }

    [Fact]
    public async Task A_revoked_connection_is_refused_another_tenant_gets_404_everywhere_and_an_app_key_gets_401()
    {
        var (_, sca) = await bank.ConsentAsync("user_good");
        var connectionId = sca.GetProperty("result").GetProperty("connection_id").GetString()!;
        var accountId = sca.GetProperty("result").GetProperty("accounts")[0].GetProperty("account_id").GetString()!;
        await SyncUntilAsync(connectionId, null, s => s.Added.Count > 0, "the consent's data");
        var (_, paymentId) = await PayAsync("25.00");
        await PaymentAsync(bank.Server, paymentId, "RCVD", "ACTC", "ACSP", "ACSC");

        // Another tenant, with a marketplace application of its own.
        var other = await GatewayTenant.CreateAsync(system.Gateway, [Deposit]);
        using var otherServer = ContractChecked.Client(system.Gateway.BaseAddress!);
        otherServer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", other.ApiToken);
        var applicationId = await ApplicationAsync(other);
        await ReadAsync(otherServer, $"/applications/{applicationId}");

        // Each of the tenant's ids, to the other tenant, is exactly an id that does not exist.
        var routes = new (HttpMethod Method, string Path, object? Body, string Code)[]
        {
            (HttpMethod.Get, "/connections/{c}", null, "CONNECTION_NOT_FOUND"),
            (HttpMethod.Post, "/connections/{c}/refresh", null, "CONNECTION_NOT_FOUND"),
            (HttpMethod.Delete, "/connections/{c}", null, "CONNECTION_NOT_FOUND"),
            (HttpMethod.Get, "/accounts?connection_id={c}", null, "CONNECTION_NOT_FOUND"),
            (HttpMethod.Get, "/accounts/{a}", null, "ACCOUNT_NOT_FOUND"),
            (HttpMethod.Get, "/accounts/{a}/balances", null, "ACCOUNT_NOT_FOUND"),
            (HttpMethod.Get, "/accounts/{a}/transactions", null, "ACCOUNT_NOT_FOUND"),
            (HttpMethod.Post, "/transactions/sync", "{c}", "CONNECTION_NOT_FOUND"),
            (HttpMethod.Get, "/payments/{p}", null, "PAYMENT_NOT_FOUND"),
        };
        foreach (var (method, path, body, code) in routes)
        {
            var theirs = await SendAsync(otherServer, method, Fill(path, connectionId, accountId, paymentId), body is null ? null : new { connection_id = connectionId });
            var unknown = await SendAsync(otherServer, method, Fill(path, "con_nonexistent", "acc_nonexistent", "pay_nonexistent"), body is null ? null : new { connection_id = "con_nonexistent" });
            AssertProblem(theirs, HttpStatusCode.NotFound, code, $"{method} {path} with another tenant's token");
            AssertProblem(unknown, HttpStatusCode.NotFound, code, $"{method} {path} with an unknown id");
            Assert.Equal((unknown.Body["title"]?.GetValue<string>(), unknown.Body["detail"]?.GetValue<string>()), (theirs.Body["title"]?.GetValue<string>(), theirs.Body["detail"]?.GetValue<string>()));
        }

        AssertProblem(await SendAsync(bank.Server, HttpMethod.Get, $"/applications/{applicationId}"), HttpStatusCode.NotFound, "APPLICATION_NOT_FOUND", "another tenant's application");
        Assert.DoesNotContain((await ReadAsync(otherServer, "/connections"))["connections"]!.AsArray(), c => Str(c!, "connection_id") == connectionId);
        Assert.DoesNotContain((await ReadAsync(otherServer, "/accounts"))["accounts"]!.AsArray(), a => Str(a!, "connection_id") == connectionId);

        var (_, foreign) = await QueryAsync(otherServer,
            "query F($c: ID!, $a: ID!, $p: ID!) { connection(connection_id: $c) { status } account(account_id: $a) { iban } payment(payment_id: $p) { status } }",
            new { c = connectionId, a = accountId, p = paymentId });
        Assert.Equal(["account", "connection", "payment"], foreign["errors"]!.AsArray().Select(e => e!["path"]![0]!.GetValue<string>()).Order());
        Assert.All(foreign["errors"]!.AsArray(), e => Assert.Equal("NOT_FOUND", e!["extensions"]!["code"]!.GetValue<string>()));
        Assert.Null(foreign["data"]!["connection"]);
        Assert.Null(foreign["data"]!["account"]);
        Assert.Null(foreign["data"]!["payment"]);
        var (_, foreignApplication) = await QueryAsync(bank.Server, "query A($id: ID!) { application(application_id: $id) { status } }", new { id = applicationId });
        Assert.Equal(("NOT_FOUND", "APPLICATION_NOT_FOUND"), (Code(foreignApplication), foreignApplication["errors"]![0]!["extensions"]!["problem_code"]!.GetValue<string>()));

        // A client app key (HTTP Basic), or no credentials, reads none of it.
        using var app = ContractChecked.Client(system.Gateway.BaseAddress!);
        app.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{bank.ClientId}:{bank.AppKey}")));
        using var anonymous = ContractChecked.Client(system.Gateway.BaseAddress!);
        foreach (var client in new[] { app, anonymous })
        {
            foreach (var (method, path, body, _) in routes.Where(r => r.Method != HttpMethod.Delete)
                .Append((HttpMethod.Get, "/connections", null, "")).Append((HttpMethod.Get, "/accounts", null, "")))
            {
                AssertProblem(await SendAsync(client, method, Fill(path, connectionId, accountId, paymentId), body is null ? null : new { connection_id = connectionId }),
                    HttpStatusCode.Unauthorized, "UNAUTHORIZED", $"{method} {path} with {(client == app ? "the app key" : "no credentials")}");
            }
        }

        var (_, byAppKey) = await QueryAsync(app, "query C($c: ID!) { connection(connection_id: $c) { status } }", new { c = connectionId });
        Assert.Equal("UNAUTHORIZED", Code(byAppKey));
        Assert.Equal("ACTIVE", Str(await ReadAsync(bank.Server, $"/connections/{connectionId}"), "status"));

        // Revoked: 204 every time; the connection still answers, REVOKED; its data is refused CONNECTION_REVOKED.
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(bank.Server, HttpMethod.Delete, $"/connections/{connectionId}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(bank.Server, HttpMethod.Delete, $"/connections/{connectionId}")).Status);
        Assert.Equal("REVOKED", Str(await ReadAsync(bank.Server, $"/connections/{connectionId}"), "status"));
        foreach (var (method, path, body, _) in routes.Where(r => r.Code is "CONNECTION_NOT_FOUND" or "ACCOUNT_NOT_FOUND" && r.Path != "/connections/{c}"))
        {
            AssertProblem(await SendAsync(bank.Server, method, Fill(path, connectionId, accountId, paymentId), body is null ? null : new { connection_id = connectionId }),
                HttpStatusCode.Forbidden, "CONNECTION_REVOKED", $"{method} {path} after the revoke");
        }

        Assert.DoesNotContain((await ReadAsync(bank.Server, "/accounts"))["accounts"]!.AsArray(), a => Str(a!, "connection_id") == connectionId);
        Assert.Contains((await ReadAsync(bank.Server, "/connections?status=REVOKED"))["connections"]!.AsArray(), c => Str(c!, "connection_id") == connectionId);
        var (_, revoked) = await QueryAsync(bank.Server, "query R($a: ID!) { account(account_id: $a) { iban balances { amount } } }", new { a = accountId });
        Assert.Equal(("FORBIDDEN", "CONNECTION_REVOKED"), (Code(revoked), revoked["errors"]![0]!["extensions"]!["problem_code"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Bad_input_to_the_data_routes_is_a_4xx_problem_with_its_documented_code()
    {
        var (_, sca) = await bank.ConsentAsync("user_good");
        var connectionId = sca.GetProperty("result").GetProperty("connection_id").GetString()!;
        var accounts = sca.GetProperty("result").GetProperty("accounts");
        var (accountId, otherAccountId) = (accounts[0].GetProperty("account_id").GetString()!, accounts[1].GetProperty("account_id").GetString()!);
        await SyncUntilAsync(connectionId, null, s => s.Added.Count > 0, "the consent's data");
        var otherPage = await ReadAsync(bank.Server, $"/accounts/{otherAccountId}/transactions?limit=1");
        var foreignCursor = Str(otherPage, "next_cursor");

        var refused = new (HttpMethod Method, string Path, object? Body, HttpStatusCode Status, string Code)[]
        {
            (HttpMethod.Get, "/connections?status=BOGUS", null, HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED"),
            (HttpMethod.Get, "/accounts/{a}/transactions?limit=0", null, HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED"),
            (HttpMethod.Get, "/accounts/{a}/transactions?limit=501", null, HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED"),
            (HttpMethod.Get, "/accounts/{a}/transactions?limit=ten", null, HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED"),
            (HttpMethod.Get, "/accounts/{a}/transactions?from=2026-13-01", null, HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED"),
            (HttpMethod.Get, "/accounts/{a}/transactions?to=yesterday", null, HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED"),
            (HttpMethod.Get, "/accounts/{a}/transactions?from=2026-02-01&to=2026-01-01", null, HttpStatusCode.UnprocessableEntity, "INVALID_DATE_RANGE"),
            (HttpMethod.Get, "/accounts/{a}/transactions?cursor=not-a-cursor", null, HttpStatusCode.BadRequest, "INVALID_CURSOR"),
            (HttpMethod.Get, "/accounts/{a}/transactions?cursor=" + Uri.EscapeDataString(foreignCursor), null, HttpStatusCode.BadRequest, "INVALID_CURSOR"),
            (HttpMethod.Post, "/transactions/sync", new { connection_id = connectionId, count = 0 }, HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED"),
            (HttpMethod.Post, "/transactions/sync", new { connection_id = connectionId, count = 501 }, HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED"),
            (HttpMethod.Post, "/transactions/sync", new { connection_id = connectionId, cursor = "not-a-cursor" }, HttpStatusCode.BadRequest, "INVALID_CURSOR"),
            (HttpMethod.Post, "/transactions/sync", new { connection_id = connectionId, cursor = foreignCursor }, HttpStatusCode.BadRequest, "INVALID_CURSOR"),
        };
        foreach (var (method, path, body, status, code) in refused)
        {
            AssertProblem(await SendAsync(bank.Server, method, Fill(path, connectionId, accountId, ""), body), status, code, $"{method} {path}");
        }

        // Bodies the sync cannot use at all: still a 4xx problem with a code, never a 5xx.
        foreach (var body in new[] { "{}", "not json", "[]", "{\"connection_id\": 42}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/transactions/sync") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            using var response = await bank.Server.SendAsync(request, Cancel);
            var text = await response.Content.ReadAsStringAsync(Cancel);
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"sync with {body}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Matches("^[A-Z][A-Z_]+$", JsonNode.Parse(text)!["code"]!.GetValue<string>());
        }

        var (graphStatus, graph) = await QueryAsync(bank.Server, "query T($a: ID!) { account(account_id: $a) { transactions(first: 0) { nodes { amount } } } }", new { a = accountId });
        Assert.Equal(HttpStatusCode.OK, graphStatus);
        Assert.Equal("VALIDATION_FAILED", Code(graph));
    }

    [Fact]
    public async Task A_refresh_through_the_gateway_is_accepted_and_the_bank_is_read_again()
    {
        var (_, sca) = await bank.ConsentAsync("user_good");
        var connectionId = sca.GetProperty("result").GetProperty("connection_id").GetString()!;
        // Once the bank booked what was pending (its second sync), a refresh is the only thing that syncs again.
        await SyncUntilAsync(connectionId, null, s => s.Added.Count > 0 && s.Added.All(t => Str(t, "status") == "BOOKED"), "the booked data");
        var before = DateTimeOffset.Parse(Str(await ReadAsync(bank.Server, $"/connections/{connectionId}"), "last_synced_at"), System.Globalization.CultureInfo.InvariantCulture);

        var (status, accepted) = await SendAsync(bank.Server, HttpMethod.Post, $"/connections/{connectionId}/refresh");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal((connectionId, "REFRESH_REQUESTED"), (Str(accepted, "connection_id"), Str(accepted, "status")));
        Assert.True(Guid.TryParse(Str(accepted, "request_id"), out _), accepted.ToJsonString());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var connection = await ReadAsync(bank.Server, $"/connections/{connectionId}");
            if (DateTimeOffset.Parse(Str(connection, "last_synced_at"), System.Globalization.CultureInfo.InvariantCulture) > before)
            {
                Assert.Equal("ACTIVE", Str(connection, "status"));
                Assert.Null(connection["last_refresh_error"]);
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the refresh did not sync again within 60 s: {connection.ToJsonString()}");
            await Task.Delay(250, Cancel);
        }

        // The same data again: a sync from scratch holds each transaction once.
        var fresh = await SyncAllAsync(connectionId, null);
        Assert.Equal(fresh.Added.Count, fresh.Added.Select(Id).Distinct().Count());
    }

    private sealed record SyncResult(List<JsonNode> Added, List<JsonNode> Modified, List<JsonNode> Removed, string Cursor);

    /// <summary>POST /transactions/sync from <paramref name="cursor"/>, calling again while has_more is true.</summary>
    private async Task<SyncResult> SyncAllAsync(string connectionId, string? cursor)
    {
        var result = new SyncResult([], [], [], "");
        while (true)
        {
            var (status, body) = await SendAsync(bank.Server, HttpMethod.Post, "/transactions/sync", new { connection_id = connectionId, cursor, count = 500 });
            Assert.True(status == HttpStatusCode.OK, $"sync answered {(int)status}: {body.ToJsonString()}");
            result.Added.AddRange(body["added"]!.AsArray().Select(t => t!.DeepClone()));
            result.Modified.AddRange(body["modified"]!.AsArray().Select(t => t!.DeepClone()));
            result.Removed.AddRange(body["removed"]!.AsArray().Select(t => t!.DeepClone()));
            cursor = Str(body, "next_cursor");
            if (!body["has_more"]!.GetValue<bool>())
            {
                return result with { Cursor = cursor };
            }
        }
    }

    /// <summary>A full sync from <paramref name="cursor"/>, repeated until <paramref name="done"/> holds (the data arrives by events).</summary>
    private async Task<SyncResult> SyncUntilAsync(string connectionId, string? cursor, Func<SyncResult, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (status, body) = await SendAsync(bank.Server, HttpMethod.Post, "/transactions/sync", new { connection_id = connectionId, cursor });
            if (status == HttpStatusCode.OK)
            {
                var result = await SyncAllAsync(connectionId, cursor);
                if (done(result))
                {
                    return result;
                }
            }
            else
            {
                // Until ConnectionDataSynced is consumed, SessionService knows no such connection.
                AssertProblem((status, body), HttpStatusCode.NotFound, "CONNECTION_NOT_FOUND", "sync before the connection's data arrived");
            }

            Assert.True(DateTime.UtcNow < deadline, $"{what} did not arrive within 60 s");
            await Task.Delay(250, Cancel);
        }
    }

    /// <summary>A PISP session of user_good for <paramref name="amount"/>, through payment_form, credentials and sca.</summary>
    private async Task<(DrivenSession Session, string PaymentId)> PayAsync(string amount)
    {
        var session = await bank.OpenAsync(SandboxBankDriver.Pisp);
        var form = await session.RunAsync("payment_form",
            new { creditor_name = "Jane Doe", creditor_iban = "DE89370400440532013000", amount, currency = "EUR", remittance_information = "Invoice 42" });
        Assert.Equal("COMPLETED", form.GetProperty("status").GetString());
        Assert.Equal("COMPLETED", (await session.RunAsync("credentials", new { username = "user_good", password = "pass_good" })).GetProperty("status").GetString());
        await session.RunAsync("sca", new { otp = "123456" });
        return (session, form.GetProperty("result").GetProperty("payment_id").GetString()!);
    }

    /// <summary>GET /payments/{id} until its status is one of <paramref name="statuses"/> (the connector's events arrive a moment later).</summary>
    private async Task<JsonNode> PaymentAsync(HttpClient client, string paymentId, params string[] statuses)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (status, body) = await SendAsync(client, HttpMethod.Get, $"/payments/{paymentId}");
            if (status == HttpStatusCode.OK && statuses[^1] == Str(body, "status"))
            {
                return body;
            }

            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.NotFound, $"GET /payments/{paymentId} answered {(int)status}: {body.ToJsonString()}");
            Assert.True(DateTime.UtcNow < deadline, $"payment {paymentId} did not reach {statuses[^1]} within 60 s: {body.ToJsonString()}");
            await Task.Delay(250, Cancel);
        }
    }

    /// <summary>A deposit application of <paramref name="tenant"/>: the offer step, with the catalog's first example.</summary>
    private async Task<string> ApplicationAsync(GatewayTenant tenant)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await system.Gateway.GetFromJsonAsync<JsonNode>("/skills/" + Uri.EscapeDataString(Deposit), Cancel))!["status"]!.GetValue<string>() != "AVAILABLE")
        {
            Assert.True(DateTime.UtcNow < deadline, $"{Deposit} did not become AVAILABLE within 60 s");
            await Task.Delay(250, Cancel);
        }

        var session = await tenant.Sessions(system.Gateway).OpenAsync(Deposit, Cancel);
        var sessionId = session.Id;
        var stepId = (await session.SubmitAsync("product_form", new { value = "100000", currency = "EUR", period = "12" }, Cancel)).StepId;
        using var server = ContractChecked.Client(system.Gateway.BaseAddress!);
        server.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiToken);
        var stepDeadline = DateTime.UtcNow.AddSeconds(45);
        while (true)
        {
            var step = await ReadAsync(server, $"/sessions/{sessionId}/steps/{stepId}?wait=5");
            if (Str(step, "status") == "COMPLETED")
            {
                var applicationId = Str(step["result"]!, "application_id");
                var appDeadline = DateTime.UtcNow.AddSeconds(30);
                while ((await SendAsync(server, HttpMethod.Get, $"/applications/{applicationId}")).Status != HttpStatusCode.OK)
                {
                    Assert.True(DateTime.UtcNow < appDeadline, $"application {applicationId} was not readable within 30 s");
                    await Task.Delay(250, Cancel);
                }

                return applicationId;
            }

            Assert.True(DateTime.UtcNow < stepDeadline, $"product_form is {Str(step, "status")}: {step.ToJsonString()}");
            await Task.Delay(100, Cancel);
        }
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await client.SendAsync(request, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        return (response.StatusCode, text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!);
    }

    /// <summary>A GET that must answer 200 (retrying a moment while the tenant or the data is still on its way).</summary>
    private async Task<JsonNode> ReadAsync(HttpClient client, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (status, body) = await SendAsync(client, HttpMethod.Get, path);
            if (status == HttpStatusCode.OK)
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline && status is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized, $"GET {path} answered {(int)status}: {body.ToJsonString()}");
            await Task.Delay(250, Cancel);
        }
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> QueryAsync(HttpClient client, string query, object? variables = null)
    {
        var response = await client.PostAsJsonAsync("/graphql", new { query, variables }, Cancel);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancel))!.AsObject());
    }

    private static void AssertProblem((HttpStatusCode Status, JsonNode Body) response, HttpStatusCode status, string code, string what)
    {
        Assert.True(response.Status == status && response.Body["code"]?.GetValue<string>() == code,
            $"{what}: expected {(int)status} {code}, got {(int)response.Status}: {response.Body.ToJsonString()}");
    }

    private static string Fill(string path, string connectionId, string accountId, string paymentId) =>
        path.Replace("{c}", Uri.EscapeDataString(connectionId), StringComparison.Ordinal)
            .Replace("{a}", Uri.EscapeDataString(accountId), StringComparison.Ordinal)
            .Replace("{p}", Uri.EscapeDataString(paymentId), StringComparison.Ordinal);

    private static string? Code(JsonObject graph) => graph["errors"]?[0]?["extensions"]?["code"]?.GetValue<string>();

    private static string Id(JsonNode transaction) => Str(transaction, "transaction_id");

    private static string Str(JsonNode node, string property) => node[property]!.GetValue<string>();

    private static string AccountsById(JsonArray accounts) => string.Join("\n", accounts.OrderBy(a => Str(a!, "account_id"), StringComparer.Ordinal)
        .Select(a => string.Join("|", AccountFields.Select(p => Str(a!, p)))));

    /// <summary>Transactions as canonical JSON lines, by id: equal when both sides hold the same transactions with the same values.</summary>
    private static List<string> Sorted(IEnumerable<JsonNode> transactions) =>
        [.. transactions.OrderBy(Id, StringComparer.Ordinal).Select(t => WithoutNulls(t)!.ToJsonString())];

    /// <summary>Drops null members (GraphQL answers every field asked; REST may leave some out).</summary>
    private static JsonNode? WithoutNulls(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Value is not null).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, WithoutNulls(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(WithoutNulls)]),
        _ => node?.DeepClone(),
    };

    /// <summary>The introspection query GraphQL clients send (graphql-js getIntrospectionQuery, with descriptions).</summary>
    private const string IntrospectionQuery = """
        query IntrospectionQuery {
          __schema {
            queryType { name } mutationType { name } subscriptionType { name }
            types { ...FullType }
            directives { name description locations args { ...InputValue } }
          }
        }
        fragment FullType on __Type {
          kind name description
          fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
          inputFields { ...InputValue }
          interfaces { ...TypeRef }
          enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
          possibleTypes { ...TypeRef }
        }
        fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
        fragment TypeRef on __Type {
          kind name
          ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
        }
        """;
}
