using Finqware.Contracts.Sessions;
using Finqware.ServiceDefaults.Data;
using Finqware.SessionService.Connections;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Tests;

/// <summary>
/// The data APIs as a tenant's server uses them: a user consents in an AISP session served by a bank connector over
/// real RabbitMQ, the connector's data events fill connections, accounts and transactions in PostgreSQL, and the tenant
/// reads them with its API token.
/// </summary>
public sealed class DataApiTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : WithTestBank(postgres, rabbit)
{
    [Fact]
    public async Task A_consent_step_gives_a_connection_whose_accounts_balances_and_transactions_read_back()
    {
        var (tenant, connectionId, result) = await ConsentAsync();
        Assert.Equal(2, result.GetProperty("accounts").GetArrayLength());

        var (status, list) = await GetAsync(tenant, "/connections");
        Assert.Equal(200, status);
        var connection = Assert.Single(list.GetProperty("connections").EnumerateArray());
        Assert.Equal(connectionId, connection.GetProperty("connection_id").GetString());
        Assert.Equal("ACTIVE", connection.GetProperty("status").GetString());
        Assert.Equal(TestBank.Skill, connection.GetProperty("skill").GetString());
        Assert.Equal(result.GetProperty("valid_until").GetDateTimeOffset(), connection.GetProperty("valid_until").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.String, connection.GetProperty("last_synced_at").ValueKind);
        Assert.Equal([$"{connectionId}-current", $"{connectionId}-savings"],
            connection.GetProperty("accounts").EnumerateArray().Select(a => a.GetProperty("account_id").GetString()));

        var (_, one) = await GetAsync(tenant, $"/connections/{connectionId}");
        Assert.Equal(connection.ToString(), one.ToString());

        var (_, accounts) = await GetAsync(tenant, $"/accounts?connection_id={connectionId}");
        var current = accounts.GetProperty("accounts")[0];
        Assert.Equal("current", current.GetProperty("kind").GetString());
        Assert.Equal("RO49AAAA1B31007593840000", current.GetProperty("iban").GetString());
        Assert.Equal(connectionId, current.GetProperty("connection_id").GetString());
        Assert.Equal(accounts.ToString(), (await GetAsync(tenant, "/accounts")).Body.ToString());

        var (accountStatus, account) = await GetAsync(tenant, $"/accounts/{connectionId}-current");
        Assert.Equal(200, accountStatus);
        Assert.Equal(current.ToString(), account.ToString());

        var (_, balances) = await GetAsync(tenant, $"/accounts/{connectionId}-current/balances");
        Assert.Equal($"{connectionId}-current", balances.GetProperty("account_id").GetString());
        Assert.Equal([("closingBooked", "1500.00", "2026-01-11"), ("interimAvailable", "1424.50", "2026-01-12")],
            balances.GetProperty("balances").EnumerateArray().Select(b => (b.GetProperty("type").GetString(), b.GetProperty("amount").GetString(), b.GetProperty("reference_date").GetString())));

        var (_, page) = await GetAsync(tenant, $"/accounts/{connectionId}-current/transactions");
        var transactions = page.GetProperty("transactions").EnumerateArray().ToList();
        // Newest booking date first; on the same date the later row first.
        Assert.Equal(["t-taxi", "t-groceries", "t-coffee", "t-salary"], transactions.Select(t => t.GetProperty("transaction_id").GetString()));
        Assert.False(page.GetProperty("has_more").GetBoolean());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next_cursor").ValueKind);
        var salary = transactions[3];
        Assert.Equal("BOOKED", salary.GetProperty("status").GetString());
        Assert.Equal("2500.00", salary.GetProperty("amount").GetString());
        Assert.Equal("2026-01-09", salary.GetProperty("booking_date").GetString());
        Assert.Equal("ACME SRL", salary.GetProperty("counterparty_name").GetString());
        Assert.Equal("PENDING", transactions[1].GetProperty("status").GetString());
        Assert.Equal("-55.30", transactions[1].GetProperty("amount").GetString());
        Assert.Equal(JsonValueKind.Null, transactions[1].GetProperty("value_date").ValueKind);

        var (_, ranged) = await GetAsync(tenant, $"/accounts/{connectionId}-current/transactions?from=2026-01-10&to=2026-01-11");
        Assert.Equal(["t-coffee"], ranged.GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("transaction_id").GetString()));

        // The first sync brought changes: the tenant hears of them.
        var hook = await Host.QueryAsync(db => db.WebhookDeliveries.SingleAsync(w => w.ClientId == tenant.ClientId && w.EventType == "TRANSACTIONS_UPDATED"));
        var body = JsonDocument.Parse(hook.Payload).RootElement;
        Assert.Equal(connectionId, body.GetProperty("connection_id").GetString());
        Assert.Equal(5, body.GetProperty("added").GetInt32());
    }

    [Fact]
    public async Task Sync_from_no_cursor_adds_everything_then_a_pending_transaction_that_books_is_modified_never_added_twice()
    {
        var (tenant, connectionId, _) = await ConsentAsync();
        var (status, first) = await SyncAsync(tenant, connectionId, null);
        Assert.Equal(200, status);
        Assert.Equal(["s-interest", "t-coffee", "t-groceries", "t-salary", "t-taxi"], Ids(first, "added"));
        Assert.Empty(first.GetProperty("modified").EnumerateArray());
        Assert.Empty(first.GetProperty("removed").EnumerateArray());
        Assert.False(first.GetProperty("has_more").GetBoolean());
        var cursor = first.GetProperty("next_cursor").GetString()!;

        // Nothing changed: nothing to report, the cursor stays usable.
        var (_, idle) = await SyncAsync(tenant, connectionId, cursor);
        Assert.Empty(Ids(idle, "added").Concat(Ids(idle, "modified")).Concat(Ids(idle, "removed")));

        // At the bank: groceries books (another amount and date), the taxi hold is dropped, a new payment arrives.
        Bank.Change(connectionId, $"{connectionId}-current", txs =>
        [
            .. txs.Where(t => t.TransactionId is not ("t-groceries" or "t-taxi")),
            TestBank.Tx("t-groceries", "booked", -55.35m, new DateOnly(2026, 1, 13), "Mega Image", "Card payment"),
            TestBank.Tx("t-rent", "booked", -700m, new DateOnly(2026, 1, 14), "Landlord", "Rent"),
        ]);
        var seq = await Host.QueryAsync(db => db.Connections.Where(c => c.ConnectionId == connectionId).Select(c => c.ChangeSeq).SingleAsync());
        var (refreshStatus, refresh) = await Host.SendAsync(HttpMethod.Post, $"/connections/{connectionId}/refresh", auth: Token(tenant));
        Assert.Equal(202, refreshStatus);
        Assert.Equal("REFRESH_REQUESTED", refresh.GetProperty("status").GetString());
        Assert.Equal(connectionId, refresh.GetProperty("connection_id").GetString());
        await Host.WaitForAsync(async db => await db.Connections.AnyAsync(c => c.ConnectionId == connectionId && c.ChangeSeq > seq));
        Assert.Equal(refresh.GetProperty("request_id").GetGuid(), Assert.Single(Bank.Refreshes).RequestId);

        var (_, second) = await SyncAsync(tenant, connectionId, cursor);
        Assert.Equal(["t-rent"], Ids(second, "added"));
        var booked = Assert.Single(second.GetProperty("modified").EnumerateArray());
        Assert.Equal("t-groceries", booked.GetProperty("transaction_id").GetString());
        Assert.Equal("BOOKED", booked.GetProperty("status").GetString());
        Assert.Equal("-55.35", booked.GetProperty("amount").GetString());
        Assert.Equal("2026-01-13", booked.GetProperty("booking_date").GetString());
        var removed = Assert.Single(second.GetProperty("removed").EnumerateArray());
        Assert.Equal("t-taxi", removed.GetProperty("transaction_id").GetString());
        Assert.Equal($"{connectionId}-current", removed.GetProperty("account_id").GetString());

        // From the newest cursor nothing is left; from scratch each transaction comes once, in its latest state.
        var (_, third) = await SyncAsync(tenant, connectionId, second.GetProperty("next_cursor").GetString());
        Assert.Empty(Ids(third, "added").Concat(Ids(third, "modified")).Concat(Ids(third, "removed")));
        var (_, fresh) = await SyncAsync(tenant, connectionId, null);
        Assert.Equal(["s-interest", "t-coffee", "t-groceries", "t-rent", "t-salary"], Ids(fresh, "added"));
        var (_, list) = await GetAsync(tenant, $"/accounts/{connectionId}-current/transactions");
        Assert.Equal(["t-rent", "t-groceries", "t-coffee", "t-salary"], list.GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("transaction_id").GetString()));

        // Paged two at a time, the sync returns the same transactions, none twice.
        var paged = new List<string>();
        string? pageCursor = null;
        for (var more = true; more;)
        {
            var (_, page) = await SyncAsync(tenant, connectionId, pageCursor, count: 2);
            Assert.True(page.GetProperty("added").GetArrayLength() <= 2);
            paged.AddRange(Ids(page, "added"));
            pageCursor = page.GetProperty("next_cursor").GetString();
            more = page.GetProperty("has_more").GetBoolean();
        }

        Assert.Equal(Ids(fresh, "added"), paged.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Transaction_pages_are_stable_while_new_transactions_arrive()
    {
        var (tenant, connectionId, _) = await ConsentAsync();
        var accountId = $"{connectionId}-current";
        // 30 transactions over 10 days, three a day.
        Bank.Change(connectionId, accountId, _ => [.. Enumerable.Range(0, 30).Select(i =>
            TestBank.Tx($"t{i:00}", "booked", -i, new DateOnly(2026, 2, 1).AddDays(i / 3), "Shop", null))]);
        await SyncAndWaitAsync(tenant, connectionId);

        var (_, page1) = await GetAsync(tenant, $"/accounts/{accountId}/transactions?limit=12");
        Assert.True(page1.GetProperty("has_more").GetBoolean());
        var seen = Ids(page1, "transactions").ToList();
        Assert.Equal(12, seen.Count);

        // New transactions on the newest day, on a day inside the first page and on the oldest day.
        Bank.Change(connectionId, accountId, txs =>
        [
            .. txs,
            TestBank.Tx("new-newest", "booked", -1m, new DateOnly(2026, 2, 10), "Shop", null),
            TestBank.Tx("new-middle", "booked", -1m, new DateOnly(2026, 2, 8), "Shop", null),
            TestBank.Tx("new-oldest", "booked", -1m, new DateOnly(2026, 2, 1), "Shop", null),
        ]);
        await SyncAndWaitAsync(tenant, connectionId);

        var cursor = page1.GetProperty("next_cursor").GetString();
        while (cursor is not null)
        {
            var (status, page) = await GetAsync(tenant, $"/accounts/{accountId}/transactions?limit=12&cursor={cursor}");
            Assert.Equal(200, status);
            seen.AddRange(Ids(page, "transactions"));
            cursor = page.GetProperty("next_cursor").GetString();
        }

        // Every transaction that was there exactly once (the January ones are older), and of the new ones only the one
        // older than where the first page ended.
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(
            [.. Enumerable.Range(0, 30).Select(i => $"t{i:00}").Append("new-oldest").Append("t-coffee").Append("t-salary").Order(StringComparer.Ordinal)],
            seen.Order(StringComparer.Ordinal));
        Assert.Contains("new-oldest", seen);
    }

    [Fact]
    public async Task Duplicate_deliveries_of_the_data_events_change_nothing()
    {
        var (tenant, connectionId, _) = await ConsentAsync();
        var before = await SnapshotAsync(tenant, connectionId);
        var seq = await Host.QueryAsync(db => db.Connections.Where(c => c.ConnectionId == connectionId).Select(c => c.ChangeSeq).SingleAsync());
        var hooks = await Host.QueryAsync(db => db.WebhookDeliveries.CountAsync(w => w.ClientId == tenant.ClientId));

        // The same sync redelivered under the same message id (the inbox drops it) and sent anew under another one
        // (nothing differs, so nothing changes). The inbox row is committed with the change, so once both ids are there
        // both copies were applied.
        var sync = Bank.Snapshot(connectionId);
        var messageId = Guid.NewGuid();
        var consumed = await InboxCountAsync(nameof(ConnectionDataSyncedConsumer));
        await Bank.PublishAsync(sync, messageId);
        await Bank.PublishAsync(sync, messageId);
        await Bank.PublishAsync(sync);
        await Host.WaitForAsync(async db => await db.Set<InboxMessage>().CountAsync(m => m.Consumer == nameof(ConnectionDataSyncedConsumer)) == consumed + 2);
        Assert.Equal(sync.SyncedAt, await Host.QueryAsync(db => db.Connections.Where(c => c.ConnectionId == connectionId).Select(c => c.LastSyncedAt).SingleAsync()));

        Assert.Equal(1, await Host.QueryAsync(db => db.Connections.CountAsync(c => c.ClientId == tenant.ClientId)));
        Assert.Equal(seq, await Host.QueryAsync(db => db.Connections.Where(c => c.ConnectionId == connectionId).Select(c => c.ChangeSeq).SingleAsync()));
        Assert.Equal(hooks, await Host.QueryAsync(db => db.WebhookDeliveries.CountAsync(w => w.ClientId == tenant.ClientId)));
        Assert.Equal(before.Accounts, (await SnapshotAsync(tenant, connectionId)).Accounts);
        Assert.Equal(before.Transactions, (await SnapshotAsync(tenant, connectionId)).Transactions);
    }

    [Fact]
    public async Task A_refused_refresh_shows_as_last_refresh_error_and_keeps_the_data()
    {
        var (tenant, connectionId, _) = await ConsentAsync();
        Bank.FailNextRefreshWith = "CONSENT_REVOKED_AT_BANK";
        Assert.Equal(202, (await Host.SendAsync(HttpMethod.Post, $"/connections/{connectionId}/refresh", auth: Token(tenant))).Status);
        await Host.WaitForAsync(async db => await db.Connections.AnyAsync(c => c.ConnectionId == connectionId && c.LastRefreshErrorCode != null));

        var (_, connection) = await GetAsync(tenant, $"/connections/{connectionId}");
        var error = connection.GetProperty("last_refresh_error");
        Assert.Equal("CONSENT_REVOKED_AT_BANK", error.GetProperty("code").GetString());
        Assert.Equal("The bank refused the refresh.", error.GetProperty("message").GetString());
        Assert.Equal(2, connection.GetProperty("accounts").GetArrayLength());
        Assert.Equal(200, (await GetAsync(tenant, $"/accounts/{connectionId}-current/transactions")).Status);

        // A later successful refresh clears it.
        await SyncAndWaitAsync(tenant, connectionId, expectChanges: false);
        await Host.WaitForAsync(async db => await db.Connections.AnyAsync(c => c.ConnectionId == connectionId && c.LastRefreshErrorCode == null));
        Assert.False((await GetAsync(tenant, $"/connections/{connectionId}")).Body.TryGetProperty("last_refresh_error", out _));
    }

    [Fact]
    public async Task Revoking_refuses_reads_with_CONNECTION_REVOKED_and_sends_RevokeConnection_to_the_skills_queue_once()
    {
        var (tenant, connectionId, _) = await ConsentAsync();
        var (_, firstSync) = await SyncAsync(tenant, connectionId, null);

        Assert.Equal(204, (await Host.SendAsync(HttpMethod.Delete, $"/connections/{connectionId}", auth: Token(tenant))).Status);
        Assert.Equal(204, (await Host.SendAsync(HttpMethod.Delete, $"/connections/{connectionId}", auth: Token(tenant))).Status);

        await Host.WaitForAsync(async db => !Bank.Revocations.IsEmpty && !await db.Set<OutboxMessage>().AnyAsync());
        var revocation = Assert.Single(Bank.Revocations);
        Assert.Equal(connectionId, revocation.ConnectionId);
        Assert.Equal(tenant.ClientId, revocation.ClientId);
        Assert.Equal(TestBank.Skill, revocation.Skill);

        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, $"/accounts?connection_id={connectionId}", null),
            (HttpMethod.Get, $"/accounts/{connectionId}-current", null),
            (HttpMethod.Get, $"/accounts/{connectionId}-current/balances", null),
            (HttpMethod.Get, $"/accounts/{connectionId}-current/transactions", null),
            (HttpMethod.Post, "/transactions/sync", new { connection_id = connectionId, cursor = firstSync.GetProperty("next_cursor").GetString() }),
            (HttpMethod.Post, $"/connections/{connectionId}/refresh", null),
        })
        {
            var (status, problem) = await Host.SendAsync(method, path, body, Token(tenant));
            Assert.True(status == 403, $"{method} {path}: {status} {problem}");
            Assert.Equal("CONNECTION_REVOKED", problem.GetProperty("code").GetString());
        }

        var (_, connection) = await GetAsync(tenant, $"/connections/{connectionId}");
        Assert.Equal("REVOKED", connection.GetProperty("status").GetString());
        Assert.Empty((await GetAsync(tenant, "/accounts")).Body.GetProperty("accounts").EnumerateArray());
        Assert.Single((await GetAsync(tenant, "/connections?status=REVOKED")).Body.GetProperty("connections").EnumerateArray());
        Assert.Empty((await GetAsync(tenant, "/connections?status=ACTIVE")).Body.GetProperty("connections").EnumerateArray());

        // Data the connector still sends does not bring it back.
        var seq = await Host.QueryAsync(db => db.Connections.Where(c => c.ConnectionId == connectionId).Select(c => c.ChangeSeq).SingleAsync());
        var consumed = await InboxCountAsync(nameof(ConnectionDataSyncedConsumer));
        Bank.Change(connectionId, $"{connectionId}-current", txs => [.. txs, TestBank.Tx("t-late", "booked", -1m, new DateOnly(2026, 1, 20), "Shop", null)]);
        await Bank.PublishSyncAsync(connectionId);
        await Host.WaitForAsync(async db => await db.Set<InboxMessage>().CountAsync(m => m.Consumer == nameof(ConnectionDataSyncedConsumer)) == consumed + 1);
        var after = await Host.QueryAsync(db => db.Connections.SingleAsync(c => c.ConnectionId == connectionId));
        Assert.Equal(("REVOKED", seq), (after.Status, after.ChangeSeq));
    }

    private Task<int> InboxCountAsync(string consumer) => Host.QueryAsync(db => db.Set<InboxMessage>().CountAsync(m => m.Consumer == consumer));

    private async Task<(TestTenant Tenant, string ConnectionId, JsonElement Result)> ConsentAsync()
    {
        var tenant = await Host.NewTenantAsync("http://127.0.0.1:9/hook", TestBank.Skill);
        var (sessionId, stepId) = await Host.SubmitConsentAsync(tenant, TestBank.Skill);
        for (var i = 0; i < 10; i++)
        {
            var (_, read) = await Host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}/steps/{stepId}?wait=10", auth: Token(tenant));
            if (read.GetProperty("status").GetString() == "COMPLETED")
            {
                var result = read.GetProperty("result");
                var connectionId = result.GetProperty("connection_id").GetString()!;
                await Host.WaitForAsync(db => db.Connections.AnyAsync(c => c.ConnectionId == connectionId));
                return (tenant, connectionId, result);
            }
        }

        throw new Xunit.Sdk.XunitException("The consent step did not complete.");
    }

    /// <summary>Refreshes through the API and waits until the connector's new data is applied.</summary>
    private async Task SyncAndWaitAsync(TestTenant tenant, string connectionId, bool expectChanges = true)
    {
        var before = await Host.QueryAsync(db => db.Connections.Where(c => c.ConnectionId == connectionId).Select(c => new { c.ChangeSeq, c.LastSyncedAt }).SingleAsync());
        Assert.Equal(202, (await Host.SendAsync(HttpMethod.Post, $"/connections/{connectionId}/refresh", auth: Token(tenant))).Status);
        await Host.WaitForAsync(async db => await db.Connections.AnyAsync(c => c.ConnectionId == connectionId
            && (expectChanges ? c.ChangeSeq > before.ChangeSeq : c.LastSyncedAt > before.LastSyncedAt)));
    }

    private async Task<(string Accounts, string Transactions)> SnapshotAsync(TestTenant tenant, string connectionId)
    {
        var accounts = (await GetAsync(tenant, $"/connections/{connectionId}")).Body.GetProperty("accounts").ToString();
        var transactions = (await SyncAsync(tenant, connectionId, null)).Body.ToString();
        return (accounts, transactions);
    }

    private Task<(int Status, JsonElement Body)> GetAsync(TestTenant tenant, string path) => Host.SendAsync(HttpMethod.Get, path, auth: Token(tenant));

    private Task<(int Status, JsonElement Body)> SyncAsync(TestTenant tenant, string connectionId, string? cursor, int? count = null) =>
        Host.SendAsync(HttpMethod.Post, "/transactions/sync", new { connection_id = connectionId, cursor, count }, Token(tenant));

    private AuthenticationHeaderValue Token(TestTenant tenant) => SessionHost.Bearer(Host.ApiToken(tenant.ClientId));

    private static IEnumerable<string> Ids(JsonElement body, string property) =>
        body.GetProperty(property).EnumerateArray().Select(t => t.GetProperty("transaction_id").GetString()!).Order(StringComparer.Ordinal);
}
