using System.Security.Cryptography;
using Finqware.AppHost.Hosting;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// The Berlin Group connector under the AppHost-booted system, against the bank-mock (Prism serving the NextGenPSD2 1.3.11
/// examples): a production tenant onboards a user through the gateway on mockbank's production skills, the test playing the
/// bank's return (the mock's scaRedirect page, www.testbank.com, is nobody's), and reads what the consent and the payment
/// gave through the data API (docs/berlin-group.md).
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class BerlinGroupTests(SystemFixture system) : IAsyncLifetime
{
    private const string Aisp = "mockbank_aisp_#1.0";
    private const string Pisp = "mockbank_pisp_#1.0";
    private const string RedirectUri = SandboxBankDriver.RedirectUri;

    private SandboxBankDriver tenant = null!;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => tenant = await SandboxBankDriver.StartAsync(system, "production", [Aisp, Pisp], Cancel);

    public async ValueTask DisposeAsync() => await tenant.DisposeAsync();

    [Fact]
    public async Task A_production_tenant_completes_a_redirect_consent_through_the_gateway_and_reads_the_accounts_and_transactions()
    {
        var skill = await system.Gateway.GetFromJsonAsync<JsonElement>("/skills/" + Uri.EscapeDataString(Aisp), Cancel);
        Assert.Equal(("production", "AVAILABLE", "mockbank"), (skill.GetProperty("flavor").GetString(), skill.GetProperty("status").GetString(), skill.GetProperty("provider").GetString()));
        var session = await tenant.OpenAsync(Aisp);

        // Only a redirect_uri the tenant registered: anything else is refused before the connector sees the step.
        var elsewhere = await session.PostStepAsync("consent", new { psu_id = "PSU-1234", psu_ip_address = "192.0.2.10", redirect_uri = "https://evil.example.net/steal" }, Cancel);
        var refused = await Problems.AssertAsync(elsewhere, HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED", Cancel);
        Assert.True(refused.GetProperty("errors").TryGetProperty("data.redirect_uri", out _), refused.ToString());

        var consent = await session.RunAsync("consent", new { psu_id = "PSU-1234", psu_ip_address = "192.0.2.10", redirect_uri = RedirectUri, state = "app-state/1" }, Cancel);

        Assert.Equal(("ACTION_REQUIRED", "redirect", "https://www.testbank.com/authentication/1234-wertiq-983"),
            (consent.GetProperty("status").GetString(), consent.GetProperty("action").GetProperty("type").GetString(), consent.GetProperty("action").GetProperty("url").GetString()));
        var stepId = consent.GetProperty("step_id").GetGuid();
        var forged = await ReturnFromBankAsync(stepId, "ok", state: "bm90LXRoZS1zdGF0ZQ");
        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.Equal("AUTHORISATION_NOT_FOUND", (await forged.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString());

        var back = await ReturnFromBankAsync(stepId, "ok");

        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        Assert.Equal($"{RedirectUri}&session_id={session.Id}&step_id={stepId}&state=app-state%2F1", back.Headers.Location!.ToString());
        var authorised = await session.WaitStepAsync(stepId, "COMPLETED", "FAILED");
        Assert.Equal(("COMPLETED", "valid"), (authorised.GetProperty("status").GetString(), authorised.GetProperty("result").GetProperty("consent_status").GetString()));
        var confirm = await session.RunAsync("confirm", new { });
        Assert.Equal("COMPLETED", confirm.GetProperty("status").GetString());
        Assert.Equal("COMPLETED", await session.StatusAsync());
        var connectionId = confirm.GetProperty("result").GetProperty("connection_id").GetString()!;

        // The specification's examples, mapped into Finqware, read back through the data API.
        var accounts = (await ReadAsync($"/accounts?connection_id={connectionId}", a => a.GetProperty("accounts").GetArrayLength() > 0)).GetProperty("accounts")
            .EnumerateArray().OrderBy(a => a.GetProperty("iban").GetString(), StringComparer.Ordinal).ToList();
        Assert.Equal([("DE2310010010123456788", "USD", "US Dollar Account"), ("DE2310010010123456789", "EUR", "Main Account")],
            accounts.Select(a => (a.GetProperty("iban").GetString(), a.GetProperty("currency").GetString(), a.GetProperty("name").GetString())));
        var accountId = accounts[1].GetProperty("account_id").GetString()!;
        var transactions = (await ReadAsync($"/accounts/{accountId}/transactions", _ => true)).GetProperty("transactions").EnumerateArray().ToList();
        Assert.Equal(
            [("PENDING", "-100.03", "Claude Renault"), ("BOOKED", "256.67", "John Miles"), ("BOOKED", "343.01", "Paul Simpson")],
            transactions.Select(t => (t.GetProperty("status").GetString(), t.GetProperty("amount").GetString(), t.GetProperty("counterparty_name").GetString()))
                .OrderBy(t => t.Item3, StringComparer.Ordinal));
        var balances = await ReadAsync($"/accounts/{accountId}/balances", _ => true);
        Assert.Equal([("closingBooked", "500.00"), ("expected", "900.00")],
            balances.GetProperty("balances").EnumerateArray().Select(b => (b.GetProperty("type").GetString(), b.GetProperty("amount").GetString())).OrderBy(b => b.Item1, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_production_tenant_initiates_a_payment_the_user_authorises_at_the_bank_and_reads_its_status()
    {
        var session = await tenant.OpenAsync(Pisp);
        var payment = await session.RunAsync("payment", new
        {
            creditor_name = "Merchant123", creditor_iban = "DE02100100109307118603", debtor_iban = "DE40100100103307118608", amount = "123.50",
            currency = "EUR", remittance_information = "Ref Number Merchant", psu_ip_address = "192.0.2.10",
        });
        Assert.Equal(("ACTION_REQUIRED", "https://www.testbank.com/asdfasdfasdf"), (payment.GetProperty("status").GetString(), payment.GetProperty("action").GetProperty("url").GetString()));
        var stepId = payment.GetProperty("step_id").GetGuid();

        var back = await ReturnFromBankAsync(stepId, "ok");

        // No redirect_uri: a Finqware page says the authorisation is done.
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Contains("Authorisation done", await back.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal("COMPLETED", (await session.WaitStepAsync(stepId, "COMPLETED", "FAILED")).GetProperty("status").GetString());
        var confirm = await session.RunAsync("confirm", new { });
        Assert.Equal(("COMPLETED", "ACCP"), (confirm.GetProperty("status").GetString(), confirm.GetProperty("result").GetProperty("transaction_status").GetString()));
        Assert.Equal("COMPLETED", await session.StatusAsync());
        var paymentId = confirm.GetProperty("result").GetProperty("payment_id").GetString()!;

        var read = await ReadAsync($"/payments/{paymentId}", p => p.GetProperty("status").GetString() == "ACCP");
        Assert.Equal((Pisp, "123.50", "EUR", "DE02100100109307118603", "Merchant123"),
            (read.GetProperty("skill").GetString(), read.GetProperty("amount").GetString(), read.GetProperty("currency").GetString(),
             read.GetProperty("creditor_iban").GetString(), read.GetProperty("creditor_name").GetString()));
        Assert.Equal(["RCVD", "ACCP"], read.GetProperty("status_history").EnumerateArray().Select(h => h.GetProperty("status").GetString()));
    }

    /// <summary>What the user's browser does when the bank sends it back: the callback URL the connector gave the bank, through the gateway.</summary>
    private async Task<HttpResponseMessage> ReturnFromBankAsync(Guid stepId, string outcome, string? state = null)
    {
        var key = LocalSecrets.GetOrCreate(system.Host.Options.StateDirectory, "berlin-group-callback-key");
        state ??= Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{stepId}|{outcome}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = system.Gateway.BaseAddress };
        return await browser.GetAsync($"/bank-callback/berlin-group/{stepId}/{outcome}?state={state}", Cancel);
    }

    private async Task<JsonElement> ReadAsync(string path, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var response = await tenant.Server.GetAsync(path, Cancel);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
            if (response.StatusCode == HttpStatusCode.OK && done(body))
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"GET {path} answered {(int)response.StatusCode}: {body}");
            await Task.Delay(250, Cancel);
        }
    }
}
