using System.Globalization;
using System.Text.Json.Nodes;
using Finqware.Contracts.Sessions;

namespace Finqware.SkillConnectors.BerlinGroup.Tests;

/// <summary>
/// Example mode: Prism answers every request with the official file's examples (one chosen by name with <c>Prefer</c>), so
/// each of the specification's SCA answers is met. Every flow reaches its end, the data mapped into Finqware equals the
/// specification's examples, and Prism, which validates each request against the specification, refuses none of them
/// (but the embedded approach's bodies, which the file itself makes impossible: see the last test).
/// </summary>
public sealed class PrismExampleTests(ExamplePrism prism, PostgresServerFixture postgres) : IClassFixture<ExamplePrism>, IAsyncLifetime
{
    private const string Accounts = "/v1/accounts";
    private BankHarness harness = null!;
    private string? consentExample;
    private string? paymentExample;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => harness = await BankHarness.CreateAsync(postgres, prism.BaseUrl, prefer: request =>
        request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == "/v1/consents" ? consentExample
        : request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == "/v1/payments/sepa-credit-transfers" ? paymentExample
        : null);

    public async ValueTask DisposeAsync() => await harness.DisposeAsync();

    [Fact]
    public async Task A_redirect_consent_sends_the_user_to_the_banks_page_and_on_return_reads_the_examples_accounts_balances_and_transactions()
    {
        var flow = await harness.RunAsync(BankHarness.Aisp, BankHarness.ConsentData, Cancel);

        Assert.Equal(["consent ACTION_REQUIRED", "consent COMPLETED", "confirm COMPLETED"], flow.Steps.Select(s => $"{s.Step} {s.Outcome}"));
        Assert.Equal(("redirect", "https://www.testbank.com/authentication/1234-wertiq-983"), (flow.Steps[0].Action!.Type, flow.Steps[0].Action!.Url));
        Assert.Equal("1234-wertiq-983", ResultFields.Read(flow.Steps[0].Result, "bank_consent_id"));
        var synced = Assert.Single(harness.Published.OfType<ConnectionDataSynced>());
        Assert.Equal(ResultFields.Read(flow.End.Result, "connection_id"), synced.ConnectionId);

        var accounts = SpecExamples.Response(Accounts, "get", "200", "Example 1")["accounts"]!.AsArray();
        Assert.Equal(
            accounts.Select(a => (Str(a, "iban"), Str(a, "currency"), Str(a, "name"), "current")),
            synced.Accounts.Select(a => (a.Iban, a.Currency, a.Name, a.Kind)));
        var balances = SpecExamples.Response("/v1/accounts/{account-id}/balances", "get", "200", "Example 1: Regular Account")["balances"]!.AsArray();
        var report = SpecExamples.Response("/v1/accounts/{account-id}/transactions", "get", "200", "Example 1")["transactions"]!;
        foreach (var account in synced.Accounts)
        {
            Assert.Equal(
                balances.Select(b => (Str(b, "balanceType"), Str(b!["balanceAmount"], "amount"), Str(b!["balanceAmount"], "currency"),
                    (b!["referenceDate"] ?? b!["lastChangeDateTime"])!.GetValue<string>()[..10])),
                account.Balances.Select(b => (b.Type, Money(b.Amount), b.Currency, Date(b.ReferenceDate))));
            var expected = report["booked"]!.AsArray().Select(t => Expected(t!, "booked")).Concat(report["pending"]!.AsArray().Select(t => Expected(t!, "pending")));
            Assert.Equal(expected, account.Transactions.Select(t => (t.Status, Money(t.Amount), t.Currency, Date(t.BookingDate), t.ValueDate is { } v ? Date(v) : null, t.CounterpartyName, t.RemittanceInformation)));
            Assert.Equal(3, account.Transactions.Select(t => t.TransactionId).Distinct().Count());
        }

        // The consent is kept for refresh and revoke.
        var kept = await harness.Store.FindAsync(synced.ConnectionId, Cancel);
        Assert.Equal(("1234-wertiq-983", "mockbank"), (kept!.ConsentId, kept.Bank));
        AssertNoRequestRefused();
    }

    [Fact]
    public async Task The_banks_return_goes_to_the_connectors_callback_through_the_gateway_with_a_state_only_that_bank_was_given()
    {
        var run = await harness.Kit.RunAsync(harness.Consent, BankHarness.Aisp, Skills.Consent, BankHarness.ConsentData, cancellationToken: Cancel);

        var (ok, nok) = harness.Callbacks.For(run.Command.StepId);
        Assert.StartsWith($"http://gateway.test/bank-callback/berlin-group/{run.Command.StepId}/ok?state=", ok, StringComparison.Ordinal);
        Assert.StartsWith($"http://gateway.test/bank-callback/berlin-group/{run.Command.StepId}/nok?state=", nok, StringComparison.Ordinal);
        var state = ok.Split("state=")[1];
        Assert.True(harness.Callbacks.Verify(run.Command.StepId, "ok", state));
        Assert.False(harness.Callbacks.Verify(run.Command.StepId, "nok", state));
        Assert.False(harness.Callbacks.Verify(Guid.NewGuid(), "ok", state));
        Assert.False(harness.Callbacks.Verify(run.Command.StepId, "ok", state[..^1] + (state[^1] == 'A' ? 'B' : 'A')));
    }

    [Theory]
    [InlineData("Response in case of the decoupled approach")]
    [InlineData("Response in case of a redirect with a dedicated start of the authorisation process")]
    public async Task A_decoupled_consent_shows_the_banks_message_and_completes_when_the_polled_consent_is_valid(string example)
    {
        consentExample = example;

        var flow = await harness.RunAsync(BankHarness.Aisp, BankHarness.ConsentData, Cancel);

        Assert.Equal(["consent ACTION_REQUIRED", "consent COMPLETED", "confirm COMPLETED"], flow.Steps.Select(s => $"{s.Step} {s.Outcome}"));
        Assert.Equal(("decoupled", "Please use your BankApp for transaction Authorisation."), (flow.Steps[0].Action!.Type, flow.Steps[0].Action!.Instruction));
        Assert.Equal("123auth456", ResultFields.Read(flow.Steps[0].Result, ResultFields.AuthorisationId));
        Assert.Equal(2, Assert.Single(harness.Published.OfType<ConnectionDataSynced>()).Accounts.Count);
        AssertNoRequestRefused();
    }

    [Fact]
    public async Task The_oauth_approach_is_refused_with_a_code_rather_than_half_done()
    {
        consentExample = "Response in case of the OAuth2 approach with an implicit generated authorisation resource";

        var flow = await harness.RunAsync(BankHarness.Aisp, BankHarness.ConsentData, Cancel);

        Assert.Equal(("FAILED", "SCA_APPROACH_NOT_SUPPORTED"), (flow.End.Outcome, flow.End.Error!.Code));
    }

    [Theory]
    [InlineData(null, "redirect")]
    [InlineData("Response in case of the decoupled approach with explicit start of authorisation needed (will be done with the update PSU identification function)", "decoupled")]
    public async Task A_payment_is_initiated_authorised_and_its_status_followed_until_polling_ends_with_the_examples_accp(string? example, string action)
    {
        paymentExample = example;

        var flow = await harness.RunAsync(BankHarness.Pisp, BankHarness.PaymentData, Cancel);

        Assert.Equal(["payment ACTION_REQUIRED", "payment COMPLETED", "confirm COMPLETED"], flow.Steps.Select(s => $"{s.Step} {s.Outcome}"));
        Assert.Equal(action, flow.Steps[0].Action!.Type);
        Assert.False(flow.FollowUpsLeft, "the payment's status polling must end (ACCP is not final: after MaxPolls polls)");
        var paymentId = ResultFields.Read(flow.End.Result, "payment_id")!;
        Assert.Equal("ACCP", ResultFields.Read(flow.End.Result, "transaction_status"));
        var initiated = Assert.Single(harness.Published.OfType<PaymentInitiated>());
        Assert.Equal((paymentId, "Merchant123", "DE02100100109307118603", 123.50m, "EUR", "Ref Number Merchant", "RCVD"),
            (initiated.PaymentId, initiated.CreditorName, initiated.CreditorIban, initiated.Amount, initiated.Currency, initiated.RemittanceInformation, initiated.Status));
        Assert.Equal(["RCVD", "ACCP"], harness.Published.OfType<PaymentStatusChanged>().Select(s => s.Status));
        AssertNoRequestRefused();
    }

    [Fact]
    public async Task A_connection_is_refreshed_without_the_user_and_revoked_with_delete_consents()
    {
        var flow = await harness.RunAsync(BankHarness.Aisp, BankHarness.ConsentData, Cancel);
        var connectionId = ResultFields.Read(flow.End.Result, "connection_id")!;
        var request = new RefreshConnection
        {
            RequestId = Guid.NewGuid(), ConnectionId = connectionId, SessionId = harness.Kit.SessionId, ClientId = harness.Kit.ClientId,
            Skill = BankHarness.Aisp, RequestedAt = DateTimeOffset.UtcNow,
        };
        var before = harness.Recorder.Exchanges.Count;

        var refreshed = await harness.Connections.RefreshAsync(request, Cancel);

        Assert.Equal(harness.Published.OfType<ConnectionDataSynced>().Single().Accounts.Select(a => a.AccountId), refreshed.Data!.Accounts.Select(a => a.AccountId));
        Assert.Equal("CONNECTION_NOT_FOUND", (await harness.Connections.RefreshAsync(request with { ClientId = "fqc_other" }, Cancel)).Code);
        await harness.Connections.RevokeAsync(new RevokeConnection
        {
            RequestId = Guid.NewGuid(), ConnectionId = connectionId, ClientId = harness.Kit.ClientId, Skill = BankHarness.Aisp, RequestedAt = DateTimeOffset.UtcNow,
        }, Cancel);
        Assert.Contains(harness.Recorder.Exchanges.Skip(before), e => e is { Method: "DELETE", Path: "/v1/consents/1234-wertiq-983", Status: 204 });
        Assert.Equal("CONSENT_REVOKED_AT_BANK", (await harness.Connections.RefreshAsync(request, Cancel)).Code);
        AssertNoRequestRefused();
    }

    [Theory]
    [InlineData("aisp")]
    [InlineData("pisp")]
    public async Task The_embedded_approach_fails_with_a_code_at_prism_whose_file_allows_no_password_or_otp_body(string kind)
    {
        // NextGenPSD2 1.3.11 declares the authorisation bodies as oneOf [ {}, psuData, authenticationMethodId, scaAuthenticationData,
        // …]: any body matches {} as well, so Prism refuses every one of them. The embedded approach is tested against a fake bank
        // (FakeBankTests); here it must end with a code, and the only requests Prism refuses are those bodies.
        consentExample = "Response in case of the embedded approach";
        paymentExample = "Response in case of the embedded approach with explicit start of authorisation";
        var data = kind == "aisp"
            ? (object)new { psu_id = "PSU-1234", psu_ip_address = "192.0.2.10", password = "start12" }
            : new { creditor_name = "Merchant123", creditor_iban = "DE02100100109307118603", debtor_iban = "DE40100100103307118608", amount = "1.00", currency = "EUR", password = "start12" };

        var flow = await harness.RunAsync(kind == "aisp" ? BankHarness.Aisp : BankHarness.Pisp, data, Cancel);

        Assert.Equal(("FAILED", "BANK_REQUEST_REFUSED"), (flow.End.Outcome, flow.End.Error!.Code));
        var refused = Assert.Single(harness.Recorder.Exchanges, e => e.RequestViolations.Count > 0);
        Assert.EndsWith("/authorisations", refused.Path, StringComparison.Ordinal);
        Assert.Equal(["Request body must match exactly one schema in oneOf"], refused.RequestViolations);
    }

    private void AssertNoRequestRefused()
    {
        Assert.NotEmpty(harness.Recorder.Exchanges);
        Assert.All(harness.Recorder.Exchanges, e => Assert.True(e.RequestViolations.Count == 0 && e.Status < 400,
            $"{e.Method} {e.Path} answered {e.Status}: {string.Join("; ", e.RequestViolations)}"));
    }

    private static (string, string, string, string, string?, string?, string?) Expected(JsonNode t, string status) =>
        (status, Str(t["transactionAmount"], "amount"), Str(t["transactionAmount"], "currency"), Str(t, status == "booked" ? "bookingDate" : "valueDate"),
         t["valueDate"]?.GetValue<string>(), (t["creditorName"] ?? t["debtorName"])?.GetValue<string>(), t["remittanceInformationUnstructured"]?.GetValue<string>());

    private static string Str(JsonNode? node, string name) => node![name]!.GetValue<string>();

    private static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
