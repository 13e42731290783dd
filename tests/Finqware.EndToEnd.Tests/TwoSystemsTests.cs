using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Finqware.AppHost;
using Finqware.AppHost.Hosting;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// Issue 6: the same sandbox user yields the same accounts and transactions on two fresh systems. Beside the assembly's
/// system this test boots a second, independent one (its own state directory, PostgreSQL cluster, RabbitMQ node,
/// databases, queues and secrets), onboards the documented user in each through that system's gateway, and compares
/// what each tenant's server then reads over REST.
/// </summary>
/// <remarks>
/// In the shared collection: while the second system boots and the flows run, no other class uses the assembly's
/// system (one of them restarts its services).
/// </remarks>
[Collection(SharedSystem.Name)]
public sealed class TwoSystemsTests(SystemFixture system)
{
    /// <summary>
    /// What an AISP consent through the gateway needs, and with them (FinqwareHostOptions.Only) PostgreSQL, RabbitMQ,
    /// their databases and the catalog, tenant and session services; not the example connector, not the marketplace.
    /// </summary>
    private static readonly string[] SandboxBankOnly = ["gateway", "sandbox-bank"];

    /// <summary>
    /// Left out of the comparison, and only these: the ids a system hands out for one connection. The sandbox bank derives
    /// them from the connection (docs/sandbox.md: "the ids belong to the connection, as at Plaid"), whose id derives from
    /// the consent step's random id, so they differ in every system and every consent: <c>connection_id</c>,
    /// <c>account_id</c> (on accounts, balances and transactions) and <c>transaction_id</c>. (The transaction pages'
    /// cursors are not compared either: they are paging tokens, not data.)
    /// </summary>
    private static readonly string[] ConnectionScopedIds = ["connection_id", "account_id", "transaction_id"];

    private const int PageSize = 100;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_same_sandbox_user_yields_the_same_accounts_and_transactions_on_two_fresh_systems()
    {
        var boot = Stopwatch.StartNew();
        await using var second = await SystemFixture.StartAnotherAsync(SandboxBankOnly);
        Say($"second system: {second.Host.Resources.Count} resources booted in {boot.Elapsed.TotalSeconds:0.0} s");
        var groups = second.Host.Resources.SelectMany(r => r.ProcessGroups).ToList();
        var state = second.Host.Options.StateDirectory;

        // Two systems, not one seen twice: other gateways, other servers.
        Assert.NotEqual(system.Host.GatewayUrl, second.Host.GatewayUrl);
        Assert.NotEqual(Postgres(system), Postgres(second));
        Assert.NotEqual(Messaging(system), Messaging(second));
        Assert.DoesNotContain(second.Host.Resources, r => r.Name is "example-connector" or AppModel.SandboxMarketplace);

        // The sandbox bank generates a user's data from the username and today's date (UTC) when it reports it
        // (SandboxData.For): both systems consent and book on the same day, near midnight after it (checked below by the
        // balances' reference date).
        var day = await SameDayAheadAsync(TimeSpan.FromMinutes(2));
        var flows = Stopwatch.StartNew();
        var reads = await Task.WhenAll(ConsentAndReadAsync(system, "user_good"), ConsentAndReadAsync(second, "user_good"));
        var (first, other) = (reads[0], reads[1]);
        Say($"both consents made, booked and read in {flows.Elapsed.TotalSeconds:0.0} s");

        // Not a comparison of nothing: the three accounts, their two balances of today, at least 90 days of transactions,
        // read over several pages.
        Assert.Equal(["card", "current", "savings"], first.Accounts.Select(a => Str(a.Account, "kind")).Order());
        foreach (var read in new[] { first, other })
        {
            Assert.All(read.Accounts, a => Assert.Equal(2, a.Balances["balances"]!.AsArray().Count));
            Assert.All(read.Accounts.SelectMany(a => a.Balances["balances"]!.AsArray()), b => Assert.Equal(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Str(b!, "reference_date")));
            Assert.All(read.Accounts, a => Assert.True(
                a.Transactions.Min(t => DateOnly.Parse(Str(t, "booking_date"), CultureInfo.InvariantCulture)) <= day.AddDays(-90),
                $"{Str(a.Account, "kind")}: less than 90 days of transactions"));
        }

        Assert.True(first.Accounts.Sum(a => a.Transactions.Count) > 200, $"{first.Accounts.Sum(a => a.Transactions.Count)} transactions");
        Assert.Contains(first.Accounts, a => a.Pages > 1);

        // The ids left out really are the connection's: none is shared by the two systems.
        Assert.NotEqual(first.ConnectionId, other.ConnectionId);
        Assert.Empty(Ids(first).Intersect(Ids(other)));

        // Field by field, everything else: the accounts (paired by IBAN), each one's balances, and its transactions (as
        // sets: the order within a booking date follows ids of the system's own).
        Assert.Equal(first.Accounts.Select(a => Facts(a.Account)), other.Accounts.Select(a => Facts(a.Account)));
        foreach (var (mine, theirs) in first.Accounts.Zip(other.Accounts))
        {
            Assert.Equal(Facts(mine.Balances), Facts(theirs.Balances));
            Assert.Equal(mine.Transactions.Select(Facts).Order(StringComparer.Ordinal), theirs.Transactions.Select(Facts).Order(StringComparer.Ordinal));
        }

        // Stopped and gone (the await using also does this when an assertion above fails).
        var stop = Stopwatch.StartNew();
        await second.DisposeAsync();
        Say($"second system stopped and deleted in {stop.Elapsed.TotalSeconds:0.0} s");
        Assert.DoesNotContain(groups, ChildProcess.GroupIsAlive);
        Assert.False(Directory.Exists(state), $"{state} is left behind");
    }

    /// <summary>
    /// Onboards <paramref name="username"/> with the sandbox bank's AISP skill in <paramref name="target"/> as a tenant of
    /// its own (credentials with pass_good, then SCA with the embedded OTP: docs/sandbox.md), waits until the bank has
    /// booked the consent's pending transactions and SessionService holds them, then reads what the tenant's server
    /// can: the connection's accounts, each one's balances and every page of its transactions.
    /// </summary>
    private async Task<Consent> ConsentAndReadAsync(SystemFixture target, string username)
    {
        await using var bank = await SandboxBankDriver.StartAsync(target, Cancel);
        var (_, sca) = await bank.ConsentAsync(username);
        Assert.True(sca.GetProperty("status").GetString() == "COMPLETED", sca.ToString());
        var connectionId = sca.GetProperty("result").GetProperty("connection_id").GetString()!;

        // The consent's data comes by ConnectionDataSynced, its booking (SandboxBank__PendingBookingDelay) by another, the
        // last one without a refresh. A read that sees it may have read some balances just before it: read again after.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var consent = await ReadAsync(bank.Server, connectionId);
            var transactions = consent?.Accounts.SelectMany(a => a.Transactions).ToList() ?? [];
            if (consent is { Accounts.Count: 3 } && consent.Accounts.All(a => a.Transactions.Count > 0) && transactions.All(t => Str(t, "status") == "BOOKED"))
            {
                return (await ReadAsync(bank.Server, connectionId))!;
            }

            Assert.True(DateTime.UtcNow < deadline,
                $"{target.Host.GatewayUrl}: connection {connectionId} not read booked within 60 s ({transactions.Count} transactions, {transactions.Count(t => Str(t, "status") != "BOOKED")} not booked)");
            await Task.Delay(1000, Cancel);
        }
    }

    /// <summary>The connection's accounts (ordered by IBAN), balances and all transaction pages; null while it is unknown.</summary>
    private async Task<Consent?> ReadAsync(HttpClient server, string connectionId)
    {
        var (status, list) = await GetAsync(server, $"/accounts?connection_id={connectionId}");
        if (status == HttpStatusCode.NotFound)
        {
            return null;
        }

        Assert.Equal(HttpStatusCode.OK, status);
        var accounts = new List<AccountRead>();
        foreach (var account in list["accounts"]!.AsArray().Select(a => a!.AsObject()))
        {
            var accountId = Str(account, "account_id");
            var (balancesStatus, balances) = await GetAsync(server, $"/accounts/{accountId}/balances");
            Assert.Equal(HttpStatusCode.OK, balancesStatus);
            var transactions = new List<JsonObject>();
            var pages = 0;
            string? cursor = null;
            do
            {
                var (pageStatus, page) = await GetAsync(server,
                    $"/accounts/{accountId}/transactions?limit={PageSize}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
                Assert.Equal(HttpStatusCode.OK, pageStatus);
                pages++;
                transactions.AddRange(page["transactions"]!.AsArray().Select(t => t!.AsObject()));
                cursor = page["has_more"]!.GetValue<bool>() ? Str(page, "next_cursor") : null;
            }
            while (cursor is not null);

            accounts.Add(new AccountRead(account, balances, transactions, pages));
        }

        return new Consent(connectionId, [.. accounts.OrderBy(a => Str(a.Account, "iban"), StringComparer.Ordinal)]);
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> GetAsync(HttpClient server, string path)
    {
        using var response = await server.GetAsync(path, Cancel);
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>(Cancel))!);
    }

    /// <summary>
    /// Today (UTC), when the day has more than <paramref name="margin"/> left; else waits for the next day first, so the
    /// two systems' consents and bookings (seconds apart) do not straddle midnight.
    /// </summary>
    private async Task<DateOnly> SameDayAheadAsync(TimeSpan margin)
    {
        var now = DateTime.UtcNow;
        var left = now.Date.AddDays(1) - now;
        if (left < margin)
        {
            await Task.Delay(left + TimeSpan.FromSeconds(1), Cancel);
        }

        return DateOnly.FromDateTime(DateTime.UtcNow);
    }

    private static void Say(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    /// <summary>The object as JSON without the connection-scoped ids: what must be the same in both systems.</summary>
    private static string Facts(JsonObject node)
    {
        var facts = node.DeepClone().AsObject();
        foreach (var id in ConnectionScopedIds)
        {
            facts.Remove(id);
        }

        return facts.ToJsonString();
    }

    private static IEnumerable<string> Ids(Consent consent) => consent.Accounts
        .SelectMany(a => a.Transactions.Select(t => Str(t, "transaction_id")).Append(Str(a.Account, "account_id")));

    private static string Str(JsonNode node, string name) => node[name]!.GetValue<string>();

    private static string? Postgres(SystemFixture target) => target.Host.Resources.OfType<PostgresResource>().Single().ServerConnectionString;

    private static string? Messaging(SystemFixture target) => target.Host.Resources.OfType<RabbitMqResource>().Single().ConnectionString;

    private sealed record AccountRead(JsonObject Account, JsonObject Balances, List<JsonObject> Transactions, int Pages);

    private sealed record Consent(string ConnectionId, List<AccountRead> Accounts);
}
