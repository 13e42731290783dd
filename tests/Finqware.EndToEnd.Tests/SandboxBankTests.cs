using Finqware.AppHost.Hosting;
using Finqware.Contracts.Sessions;
using Npgsql;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// The sandbox bank (provider xyz) end to end: every documented test user and value of docs/sandbox.md, from POST
/// /sessions through the gateway to the step's terminal status, with the data events the connector publishes for
/// SessionService's data APIs (ConnectionDataSynced, PaymentInitiated, PaymentStatusChanged).
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class SandboxBankTests(SystemFixture system) : IAsyncLifetime
{
    private SandboxBankDriver bank = null!;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => bank = await SandboxBankDriver.StartAsync(system, Cancel);

    public async ValueTask DisposeAsync() => await bank.DisposeAsync();

    [Fact]
    public async Task User_good_consents_with_an_embedded_otp_and_gets_a_90_day_connection_whose_pending_transactions_book_later()
    {
        var session = await bank.OpenAsync(SandboxBankDriver.Aisp);
        var credentials = await session.RunAsync("credentials", new { username = "user_good", password = "pass_good" });
        Assert.Equal(("COMPLETED", "EMBEDDED"), (credentials.GetProperty("status").GetString(), credentials.GetProperty("result").GetProperty("sca_method").GetString()));
        Assert.Equal("IN_PROGRESS", await session.StatusAsync());

        var sca = await session.RunAsync("sca", new { otp = "123456" });

        Assert.Equal("COMPLETED", sca.GetProperty("status").GetString());
        Assert.Equal("COMPLETED", await session.StatusAsync());
        var result = sca.GetProperty("result");
        var connectionId = result.GetProperty("connection_id").GetString()!;
        var validFor = result.GetProperty("valid_until").GetDateTimeOffset() - DateTimeOffset.UtcNow;
        Assert.InRange(validFor.TotalDays, 89.9, 90);
        var accounts = result.GetProperty("accounts").EnumerateArray().ToList();
        Assert.Equal(["current", "savings", "card"], accounts.Select(a => a.GetProperty("kind").GetString()));
        Assert.All(accounts, a => Assert.True(SandboxBankDriver.IbanIsValid(a.GetProperty("iban").GetString()!)));

        // The consent's data, then (after SandboxBank__PendingBookingDelay) the same transactions booked.
        var first = await bank.EventuallyAsync(() => bank.EventsOf<ConnectionDataSynced>().FirstOrDefault(e => e.ConnectionId == connectionId));
        Assert.Equal((session.Id, bank.ClientId, SandboxBankDriver.Aisp), (first.SessionId, first.ClientId, first.Skill));
        Assert.Equal(accounts.Select(a => a.GetProperty("account_id").GetString()), first.Accounts.Select(a => a.AccountId));
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Assert.All(first.Accounts, a => Assert.True(a.Transactions.Min(t => t.BookingDate) <= today.AddDays(-90)));
        Assert.All(first.Accounts, a => Assert.Equal(["closingBooked", "interimAvailable"], a.Balances.Select(b => b.Type)));
        var pending = first.Accounts.SelectMany(a => a.Transactions).Where(t => t.Status == "pending").ToList();
        Assert.NotEmpty(pending);

        var booked = await bank.EventuallyAsync(() => bank.EventsOf<ConnectionDataSynced>().Where(e => e.ConnectionId == connectionId).Skip(1).FirstOrDefault());
        var after = booked.Accounts.SelectMany(a => a.Transactions).ToDictionary(t => t.TransactionId);
        Assert.Equal(first.Accounts.SelectMany(a => a.Transactions).Select(t => t.TransactionId).Order(), after.Keys.Order());
        Assert.All(after.Values, t => Assert.Equal("booked", t.Status));
        Assert.Contains(pending, t => after[t.TransactionId].Amount != t.Amount || after[t.TransactionId].BookingDate != t.BookingDate);
    }

    [Fact]
    public async Task The_same_sandbox_user_gets_the_same_accounts_and_transactions_in_two_fresh_consents()
    {
        var (firstSession, first) = await bank.ConsentAsync("user_good");
        var (secondSession, second) = await bank.ConsentAsync("user_good");

        Assert.Equal(("COMPLETED", "COMPLETED"), (first.GetProperty("status").GetString(), second.GetProperty("status").GetString()));
        var firstId = first.GetProperty("result").GetProperty("connection_id").GetString();
        var secondId = second.GetProperty("result").GetProperty("connection_id").GetString();
        Assert.NotEqual(firstId, secondId);
        Assert.Equal(WithoutIds(first.GetProperty("result").GetProperty("accounts")), WithoutIds(second.GetProperty("result").GetProperty("accounts")));

        var firstData = await bank.EventuallyAsync(() => bank.EventsOf<ConnectionDataSynced>().FirstOrDefault(e => e.ConnectionId == firstId));
        var secondData = await bank.EventuallyAsync(() => bank.EventsOf<ConnectionDataSynced>().FirstOrDefault(e => e.ConnectionId == secondId));
        Assert.Equal(Content(firstData), Content(secondData));
        Assert.True(firstData.Accounts.Sum(a => a.Transactions.Count) > 100);
        Assert.NotEqual(firstSession.Id, secondSession.Id);
    }

    [Fact]
    public async Task User_decoupled_is_action_required_with_an_instruction_and_then_approved_by_the_bank_app()
    {
        var (session, sca) = await bank.ConsentAsync("user_decoupled", new { });

        Assert.Equal("ACTION_REQUIRED", sca.GetProperty("status").GetString());
        Assert.Equal("decoupled", sca.GetProperty("action").GetProperty("type").GetString());
        Assert.Contains("approve", sca.GetProperty("action").GetProperty("instruction").GetString()!, StringComparison.Ordinal);

        var done = await session.WaitStepAsync(sca.GetProperty("step_id").GetGuid(), "COMPLETED", "FAILED");
        Assert.Equal("COMPLETED", done.GetProperty("status").GetString());
        Assert.StartsWith("con_", done.GetProperty("result").GetProperty("connection_id").GetString(), StringComparison.Ordinal);
        Assert.Equal("COMPLETED", await session.StatusAsync());
    }

    [Fact]
    public async Task User_redirect_approves_on_the_banks_own_page_reached_through_the_gateway()
    {
        var (session, sca) = await bank.ConsentAsync("user_redirect", new { });
        Assert.Equal(("ACTION_REQUIRED", "redirect"), (sca.GetProperty("status").GetString(), sca.GetProperty("action").GetProperty("type").GetString()));
        var url = sca.GetProperty("action").GetProperty("url").GetString()!;
        Assert.StartsWith(system.Gateway.BaseAddress!.ToString().TrimEnd('/') + "/sandbox/authorise/", url, StringComparison.Ordinal);

        var forged = await bank.DecideOnBankPageAsync(url, "approve", token: "0123456789abcdef0123456789abcdef");
        await AssertProblemAsync(forged, HttpStatusCode.NotFound, "AUTHORISATION_NOT_FOUND");
        var approved = await bank.DecideOnBankPageAsync(url, "approve");
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Contains("You approved", await approved.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);

        var done = await session.WaitStepAsync(sca.GetProperty("step_id").GetGuid(), "COMPLETED", "FAILED");
        Assert.Equal("COMPLETED", done.GetProperty("status").GetString());
        Assert.Equal(3, done.GetProperty("result").GetProperty("accounts").GetArrayLength());
        await AssertProblemAsync(await bank.DecideOnBankPageAsync(url, "deny"), HttpStatusCode.Conflict, "AUTHORISATION_FINISHED");
    }

    [Fact]
    public async Task Cancelling_a_session_whose_sca_waits_at_the_bank_tells_the_connector_and_the_banks_page_refuses_after()
    {
        var (session, sca) = await bank.ConsentAsync("user_redirect", new { });
        var stepId = sca.GetProperty("step_id").GetGuid();

        (await bank.Server.PostAsync($"/sessions/{session.Id}/cancel", null, Cancel)).EnsureSuccessStatusCode();

        // CancelSession reaches the connector through the outbox and the broker: its ledger ends the step.
        await using (var db = new NpgsqlConnection(((DatabaseResource)system.Host["sandboxbankdb"]).ConnectionString))
        {
            await db.OpenAsync(Cancel);
            await using var read = new NpgsqlCommand("SELECT outcome->'error'->>'code' FROM processed_steps WHERE step_id = @id", db);
            read.Parameters.AddWithValue("id", stepId);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await read.ExecuteScalarAsync(Cancel) as string != "SESSION_CANCELLED")
            {
                Assert.True(DateTime.UtcNow < deadline, "The connector did not end the cancelled session's step within 30 s.");
                await Task.Delay(100, Cancel);
            }
        }

        // The user who comes back to the bank's page can no longer grant the consent, and no connection appears.
        await AssertProblemAsync(await bank.DecideOnBankPageAsync(sca.GetProperty("action").GetProperty("url").GetString()!, "approve"),
            HttpStatusCode.Conflict, "AUTHORISATION_FINISHED");
        var step = await session.WaitStepAsync(stepId, "COMPLETED", "FAILED");
        Assert.Equal(("FAILED", "SESSION_CANCELLED"), (step.GetProperty("status").GetString(), step.GetProperty("error").GetProperty("code").GetString()));
        Assert.DoesNotContain(bank.EventsOf<ConnectionDataSynced>(), e => e.SessionId == session.Id);
    }

    [Fact]
    public async Task User_redirect_denying_on_the_banks_page_fails_the_step_sca_denied()
    {
        var (session, sca) = await bank.ConsentAsync("user_redirect", new { });

        var denied = await bank.DecideOnBankPageAsync(sca.GetProperty("action").GetProperty("url").GetString()!, "deny");

        Assert.Equal(HttpStatusCode.OK, denied.StatusCode);
        var done = await session.WaitStepAsync(sca.GetProperty("step_id").GetGuid(), "COMPLETED", "FAILED");
        Assert.Equal(("FAILED", "SCA_DENIED"), (done.GetProperty("status").GetString(), done.GetProperty("error").GetProperty("code").GetString()));
        Assert.Equal("FAILED", await session.StatusAsync());
    }

    [Theory]
    [InlineData("user_good", "pass_bad", "INVALID_CREDENTIALS")]
    [InlineData("user_locked", "pass_good", "ACCOUNT_LOCKED")]
    public async Task Wrong_passwords_and_locked_users_fail_the_credentials_step_with_their_codes(string username, string password, string code)
    {
        var session = await bank.OpenAsync(SandboxBankDriver.Aisp);

        var credentials = await session.RunAsync("credentials", new { username, password });

        Assert.Equal(("FAILED", code), (credentials.GetProperty("status").GetString(), credentials.GetProperty("error").GetProperty("code").GetString()));
        Assert.Equal("FAILED", await session.StatusAsync());
    }

    [Fact]
    public async Task A_wrong_otp_fails_the_consent_invalid_otp()
    {
        var (session, sca) = await bank.ConsentAsync("user_good", new { otp = "000000" });

        Assert.Equal(("FAILED", "INVALID_OTP"), (sca.GetProperty("status").GetString(), sca.GetProperty("error").GetProperty("code").GetString()));
        Assert.Equal("FAILED", await session.StatusAsync());
    }

    [Theory]
    [InlineData("user_good")]
    [InlineData("user_decoupled")]
    [InlineData("user_redirect")]
    public async Task A_payment_is_received_authorised_and_settles_rcvd_actc_acsp_acsc_whatever_the_sca(string username)
    {
        var session = await bank.OpenAsync(SandboxBankDriver.Pisp);
        var form = await session.RunAsync("payment_form", Payment("25.00"));
        var paymentId = form.GetProperty("result").GetProperty("payment_id").GetString()!;
        Assert.Equal("RCVD", form.GetProperty("result").GetProperty("transaction_status").GetString());
        Assert.Equal("COMPLETED", (await session.RunAsync("credentials", new { username, password = "pass_good" })).GetProperty("status").GetString());

        var sca = await session.RunAsync("sca", username == "user_good" ? new { otp = "123456" } : new { });
        if (username == "user_redirect")
        {
            Assert.Equal(HttpStatusCode.OK, (await bank.DecideOnBankPageAsync(sca.GetProperty("action").GetProperty("url").GetString()!, "approve")).StatusCode);
        }

        var done = await session.WaitStepAsync(sca.GetProperty("step_id").GetGuid(), "COMPLETED", "FAILED");
        Assert.Equal("COMPLETED", done.GetProperty("status").GetString());
        Assert.Equal((paymentId, "ACTC"), (done.GetProperty("result").GetProperty("payment_id").GetString(), done.GetProperty("result").GetProperty("transaction_status").GetString()));
        Assert.Equal("COMPLETED", await session.StatusAsync());

        await bank.EventuallyAsync(() => Statuses(paymentId).Contains("ACSC") ? "" : null);
        Assert.Equal(["RCVD", "ACTC", "ACSP", "ACSC"], Statuses(paymentId));
        var initiated = Assert.Single(bank.EventsOf<PaymentInitiated>(), p => p.PaymentId == paymentId);
        Assert.Equal((25.00m, "EUR", "DE89370400440532013000", "RCVD"), (initiated.Amount, initiated.Currency, initiated.CreditorIban, initiated.Status));
    }

    [Theory]
    [InlineData("666.66", "INSUFFICIENT_FUNDS", new[] { "RCVD", "RJCT" })]
    [InlineData("999.99", "PAYMENT_CANCELLED", new[] { "RCVD", "ACTC", "CANC" })]
    public async Task Documented_amounts_are_rejected_for_insufficient_funds_or_cancelled(string amount, string code, string[] statuses)
    {
        var session = await bank.OpenAsync(SandboxBankDriver.Pisp);
        var paymentId = (await session.RunAsync("payment_form", Payment(amount))).GetProperty("result").GetProperty("payment_id").GetString()!;
        await session.RunAsync("credentials", new { username = "user_good", password = "pass_good" });

        var sca = await session.RunAsync("sca", new { otp = "123456" });

        Assert.Equal(("FAILED", code), (sca.GetProperty("status").GetString(), sca.GetProperty("error").GetProperty("code").GetString()));
        Assert.Equal(statuses[^1], sca.GetProperty("result").GetProperty("transaction_status").GetString());
        await bank.EventuallyAsync(() => Statuses(paymentId).Count == statuses.Length ? "" : null);
        Assert.Equal(statuses, Statuses(paymentId));
    }

    [Fact]
    public async Task A_creditor_iban_with_wrong_check_digits_fails_the_payment_form()
    {
        var session = await bank.OpenAsync(SandboxBankDriver.Pisp);

        var form = await session.RunAsync("payment_form", Payment("25.00", "DE88370400440532013000"));

        Assert.Equal(("FAILED", "INVALID_CREDITOR_IBAN"), (form.GetProperty("status").GetString(), form.GetProperty("error").GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Every_steps_first_catalog_example_drives_a_successful_sandbox_session()
    {
        foreach (var skill in new[] { SandboxBankDriver.Aisp, SandboxBankDriver.Pisp })
        {
            var manifest = await system.Gateway.GetFromJsonAsync<JsonElement>("/skills/" + Uri.EscapeDataString(skill), Cancel);
            Assert.Equal("xyz", manifest.GetProperty("provider").GetString());
            var session = await bank.OpenAsync(skill);
            JsonElement last = default;
            foreach (var step in manifest.GetProperty("steps").EnumerateArray())
            {
                last = await session.RunAsync(step.GetProperty("name").GetString()!, step.GetProperty("data_schema").GetProperty("examples")[0]);
                Assert.Equal("COMPLETED", last.GetProperty("status").GetString());
            }

            Assert.Equal("COMPLETED", await session.StatusAsync());
        }
    }

    [Fact]
    public async Task A_connection_is_refreshed_through_the_skill_queue_and_after_a_revoke_at_the_bank_refreshes_fail()
    {
        var (session, sca) = await bank.ConsentAsync("user_good");
        var connectionId = sca.GetProperty("result").GetProperty("connection_id").GetString()!;
        // The consent's sync and the one when its pending transactions book; a refresh makes a third.
        await bank.EventuallyAsync(() => bank.EventsOf<ConnectionDataSynced>().Where(e => e.ConnectionId == connectionId).Skip(1).FirstOrDefault());
        var seen = bank.EventsOf<ConnectionDataSynced>().Count(e => e.ConnectionId == connectionId);

        await bank.SendToSkillQueueAsync(SandboxBankDriver.Aisp, Refresh(connectionId, session, bank.ClientId));
        var refreshed = await bank.EventuallyAsync(() => bank.EventsOf<ConnectionDataSynced>().Where(e => e.ConnectionId == connectionId).Skip(seen).FirstOrDefault());
        Assert.Equal(3, refreshed.Accounts.Count);

        var foreign = Refresh(connectionId, session, "fqc_someone_else");
        await bank.SendToSkillQueueAsync(SandboxBankDriver.Aisp, foreign);
        var notFound = await bank.EventuallyAsync(() => bank.EventsOf<ConnectionRefreshFailed>().FirstOrDefault(e => e.RequestId == foreign.RequestId));
        Assert.Equal("CONNECTION_NOT_FOUND", notFound.Code);

        await bank.SendToSkillQueueAsync(SandboxBankDriver.Aisp, new RevokeConnection
        {
            RequestId = Guid.NewGuid(), ConnectionId = connectionId, ClientId = bank.ClientId, Skill = SandboxBankDriver.Aisp, RequestedAt = DateTimeOffset.UtcNow,
        });
        // Commands on one queue run concurrently: refresh once the bank has the revocation (as SessionService, which
        // refuses refreshes of a revoked connection itself, never sends one right behind a revoke).
        await using (var db = new NpgsqlConnection(((DatabaseResource)system.Host["sandboxbankdb"]).ConnectionString))
        {
            await db.OpenAsync(Cancel);
            await using var revoked = new NpgsqlCommand("SELECT revoked_at IS NOT NULL FROM sandbox_connections WHERE connection_id = @id", db);
            revoked.Parameters.AddWithValue("id", connectionId);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!(bool)(await revoked.ExecuteScalarAsync(Cancel))!)
            {
                Assert.True(DateTime.UtcNow < deadline, "the bank did not revoke the consent within 30 s");
                await Task.Delay(100, Cancel);
            }
        }

        var after = Refresh(connectionId, session, bank.ClientId);
        await bank.SendToSkillQueueAsync(SandboxBankDriver.Aisp, after);
        var failed = await bank.EventuallyAsync(() => bank.EventsOf<ConnectionRefreshFailed>().FirstOrDefault(e => e.RequestId == after.RequestId));
        Assert.Equal(("CONSENT_REVOKED_AT_BANK", connectionId, bank.ClientId), (failed.Code, failed.ConnectionId, failed.ClientId));
    }

    private static RefreshConnection Refresh(string connectionId, DrivenSession session, string clientId) => new()
    {
        RequestId = Guid.NewGuid(), ConnectionId = connectionId, SessionId = session.Id, ClientId = clientId, Skill = SandboxBankDriver.Aisp, RequestedAt = DateTimeOffset.UtcNow,
    };

    private List<string> Statuses(string paymentId) => bank.EventsOf<PaymentStatusChanged>().Where(s => s.PaymentId == paymentId).Select(s => s.Status).ToList();

    private static object Payment(string amount, string iban = "DE89370400440532013000") =>
        new { creditor_name = "Jane Doe", creditor_iban = iban, amount, currency = "EUR", remittance_information = "Invoice 42" };

    private static string WithoutIds(JsonElement accounts) => JsonSerializer.Serialize(accounts.EnumerateArray().Select(a => new
    {
        iban = a.GetProperty("iban").GetString(),
        name = a.GetProperty("name").GetString(),
        kind = a.GetProperty("kind").GetString(),
        currency = a.GetProperty("currency").GetString(),
    }));

    /// <summary>A sync's content without the connection-scoped ids (and without the time it was taken).</summary>
    private static string Content(ConnectionDataSynced synced) => JsonSerializer.Serialize(synced.Accounts.Select(a => new
    {
        a.Iban, a.Name, a.Kind, a.Currency, a.Balances,
        Transactions = a.Transactions.Select(t => new { t.Status, t.Amount, t.Currency, t.BookingDate, t.ValueDate, t.CounterpartyName, t.RemittanceInformation }),
    }));

    private async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, JsonSerializer.Deserialize<JsonElement>(body).GetProperty("code").GetString());
    }
}
