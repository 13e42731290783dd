using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Finqware.Contracts.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace Finqware.SkillConnectors.BerlinGroup.Tests;

/// <summary>
/// What Prism cannot show: the embedded approach (the official file makes its bodies impossible), paging through
/// <c>_links.next</c>, the bank's refusals and broken answers, the poll limits, the headers, retries and the client certificate.
/// </summary>
public sealed class FakeBankTests(PostgresServerFixture postgres)
{
    private const string Consent = """{"consentStatus":"received","consentId":"c-1","_links":{"startAuthorisationWithPsuAuthentication":{"href":"/psd2/v1/consents/c-1/authorisations"}}}""";
    private const string Account = """{"accounts":[{"resourceId":"r-1","iban":"DE89370400440532013000","currency":"EUR","cashAccountType":"SVGS","name":"Savings"}]}""";
    private const string Balances = """{"balances":[{"balanceAmount":{"currency":"EUR","amount":"1.50"},"balanceType":"interimAvailable","referenceDate":"2026-12-01"}]}""";

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_embedded_consent_sends_the_password_selects_the_chosen_method_and_the_otp_then_reads_every_page_of_transactions()
    {
        var bank = new FakeBank(r => r.Route switch
        {
            "POST /v1/consents" => (201, Consent),
            "POST /v1/consents/c-1/authorisations" => (201, """{"scaStatus":"psuAuthenticated","authorisationId":"a-1","scaMethods":[{"authenticationType":"SMS_OTP","authenticationMethodId":"sms"},{"authenticationType":"PUSH_OTP","authenticationMethodId":"push","name":"App"}],"_links":{"selectAuthenticationMethod":{"href":"/psd2/v1/consents/c-1/authorisations/a-1"}}}"""),
            "PUT /v1/consents/c-1/authorisations/a-1" when r.Body!.Contains("authenticationMethodId", StringComparison.Ordinal) =>
                (200, """{"scaStatus":"scaMethodSelected","chosenScaMethod":{"authenticationType":"PUSH_OTP","authenticationMethodId":"push"},"challengeData":{"otpMaxLength":6,"otpFormat":"integer","additionalInformation":"Enter the code from the app"}}"""),
            "PUT /v1/consents/c-1/authorisations/a-1" => (200, """{"scaStatus":"finalised"}"""),
            "GET /v1/consents/c-1/status" => (200, """{"consentStatus":"valid"}"""),
            "GET /v1/accounts" => (200, Account),
            "GET /v1/accounts/r-1/balances" => (200, Balances),
            "GET /v1/accounts/r-1/transactions" when !r.Path.Contains("page=2", StringComparison.Ordinal) => (200, """{"transactions":{"booked":[{"transactionId":"t-1","transactionAmount":{"currency":"EUR","amount":"-5.00"},"creditorName":"Shop","bookingDate":"2026-11-30","remittanceInformationUnstructuredArray":["a","b"]}],"_links":{"next":{"href":"/psd2/v1/accounts/r-1/transactions?page=2"}}}}"""),
            "GET /v1/accounts/r-1/transactions" => (200, """{"transactions":{"booked":[{"entryReference":"e-2","transactionAmount":{"currency":"EUR","amount":"7"},"debtorName":"Ana","bookingDate":"2026-11-29"}],"pending":[{"transactionAmount":{"currency":"EUR","amount":"-1.10"},"creditorName":"Cafe","valueDate":"2026-12-01"}]}}"""),
            _ => (404, "{}"),
        });
        await using var harness = await BankHarness.CreateAsync(postgres, FakeBank.BaseUrl, bank);
        var data = new { psu_id = "ana", psu_ip_address = "203.0.113.9", sca_approach = "EMBEDDED", password = "secret", sca_method_id = "push" };

        var flow = await harness.RunAsync(BankHarness.Aisp, data, Cancel);

        Assert.Equal(["consent COMPLETED", "confirm COMPLETED"], flow.Steps.Select(s => $"{s.Step} {s.Outcome}"));
        var challenge = flow.Steps[0].Result!.Value;
        Assert.Equal(("EMBEDDED", "scaMethodSelected", "push", "Enter the code from the app", "6"), (
            ResultFields.Read(challenge, "sca_approach"), ResultFields.Read(challenge, "sca_status"),
            ResultFields.Read(challenge.GetProperty("chosen_sca_method"), "authentication_method_id"),
            ResultFields.Read(challenge.GetProperty("challenge"), "additional_information"), ResultFields.Read(challenge.GetProperty("challenge"), "otp_max_length")));
        var requests = bank.Requests.ToList();
        Assert.Contains(requests, r => r.Route == "POST /v1/consents/c-1/authorisations" && r.Body == """{"psuData":{"password":"secret"}}""" && r.Header("PSU-ID") == "ana");
        Assert.Contains(requests, r => r.Body == """{"authenticationMethodId":"push"}""");
        Assert.Contains(requests, r => r.Body == """{"scaAuthenticationData":"123456"}""");
        var dateFrom = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-90).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Equal(
            [$"/v1/accounts/r-1/transactions?bookingStatus=both&dateFrom={dateFrom}", "/v1/accounts/r-1/transactions?page=2"],
            requests.Where(r => r.Route == "GET /v1/accounts/r-1/transactions").Select(r => r.Path));
        Assert.All(requests.Where(r => r.Method == "GET" && r.Path.StartsWith("/v1/accounts", StringComparison.Ordinal)), r => Assert.Equal("c-1", r.Header("Consent-ID")));
        Assert.All(requests, r => Assert.True(Guid.TryParse(r.Header("X-Request-ID"), out _)));

        var account = Assert.Single(Assert.Single(harness.Published.OfType<ConnectionDataSynced>()).Accounts);
        Assert.Equal(("DE89370400440532013000", "Savings", "savings"), (account.Iban, account.Name, account.Kind));
        Assert.Equal([("interimAvailable", 1.50m, new DateOnly(2026, 12, 1))], account.Balances.Select(b => (b.Type, b.Amount, b.ReferenceDate)));
        Assert.Equal(
            [("booked", -5.00m, "Shop", "a b"), ("booked", 7m, "Ana", null), ("pending", -1.10m, "Cafe", null)],
            account.Transactions.Select(t => (t.Status, t.Amount, t.CounterpartyName, t.RemittanceInformation)));
        Assert.Equal(new DateOnly(2026, 12, 1), account.Transactions[2].BookingDate);
    }

    [Fact]
    public async Task The_first_step_sends_the_headers_the_specification_requires_with_an_x_request_id_the_same_when_the_step_runs_again()
    {
        var bank = new FakeBank(r => r.Route == "POST /v1/consents"
            ? (201, """{"consentStatus":"received","consentId":"c-1","_links":{"scaRedirect":{"href":"https://bank.test/sca/c-1"}}}""")
            : (404, "{}"));
        await using var harness = await BankHarness.CreateAsync(postgres, FakeBank.BaseUrl, bank);
        var data = new { psu_id = "ana", psu_ip_address = "203.0.113.9", sca_approach = "REDIRECT" };

        var run = await harness.Kit.RunAsync(harness.Consent, BankHarness.Aisp, Skills.Consent, data, cancellationToken: Cancel);
        await harness.Consent.HandleAsync(new Sdk.StepContext(run.Command, null!), Cancel);

        Assert.Equal(("ACTION_REQUIRED", "https://bank.test/sca/c-1"), (run.Message.Outcome, run.Message.Action!.Url));
        var (ok, nok) = harness.Callbacks.For(run.Command.StepId);
        var sent = bank.Requests.ToList();
        Assert.Equal(2, sent.Count);
        Assert.Equal(sent[0].Header("X-Request-ID"), sent[1].Header("X-Request-ID"));
        Assert.Equal(
            ("203.0.113.9", "ana", ok, nok, "true", "false"),
            (sent[0].Header("PSU-IP-Address"), sent[0].Header("PSU-ID"), sent[0].Header("TPP-Redirect-URI"), sent[0].Header("TPP-Nok-Redirect-URI"),
             sent[0].Header("TPP-Redirect-Preferred"), sent[0].Header("TPP-Decoupled-Preferred")));
        var body = System.Text.Json.JsonDocument.Parse(sent[0].Body!).RootElement;
        Assert.Equal(("[]", true, 4, false), (body.GetProperty("access").GetProperty("balances").GetRawText(), body.GetProperty("recurringIndicator").GetBoolean(),
            body.GetProperty("frequencyPerDay").GetInt32(), body.GetProperty("combinedServiceIndicator").GetBoolean()));
        Assert.Equal(DateOnly.FromDateTime(DateTime.UtcNow).AddDays(90), DateOnly.Parse(body.GetProperty("validUntil").GetString()!, CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(401, """{"tppMessages":[{"category":"ERROR","code":"PSU_CREDENTIALS_INVALID","text":"wrong"}]}""", "INVALID_CREDENTIALS")]
    [InlineData(400, """{"tppMessages":[{"category":"WARNING","code":"WARNING"},{"category":"ERROR","code":"FORMAT_ERROR","text":"bad"}]}""", "FORMAT_ERROR")]
    [InlineData(403, """{"tppMessages":[{"category":"ERROR","code":"certificate invalid"}]}""", "BANK_REQUEST_REFUSED")]
    [InlineData(400, "<html>nope</html>", "BANK_REQUEST_REFUSED")]
    [InlineData(201, "<html>not json</html>", "BANK_RESPONSE_INVALID")]
    [InlineData(201, """{"consentStatus":"received"}""", "BANK_RESPONSE_INVALID")]
    [InlineData(201, """{"consentStatus":"received","consentId":"c-1","_links":{"scaRedirect":{"href":"not a url"}}}""", "BANK_RESPONSE_INVALID")]
    [InlineData(201, """{"consentStatus":"received","consentId":"c-1","_links":{}}""", "BANK_RESPONSE_INVALID")]
    public async Task The_banks_refusals_and_answers_that_are_not_nextgenpsd2_fail_the_step_with_a_code(int status, string json, string code)
    {
        var bank = new FakeBank(r => r.Route switch
        {
            "POST /v1/consents" => (status, json),
            "GET /v1/consents/c-1/status" => (200, """{"consentStatus":"received"}"""),
            _ => (404, "{}"),
        });
        await using var harness = await BankHarness.CreateAsync(postgres, FakeBank.BaseUrl, bank);

        var run = await harness.Kit.RunAsync(harness.Consent, BankHarness.Aisp, Skills.Consent, BankHarness.ConsentData, cancellationToken: Cancel);

        Assert.Equal(("FAILED", code), (run.Message.Outcome, run.Message.Error!.Code));
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    public async Task A_bank_that_is_away_throws_so_that_the_sdks_retries_apply(int status)
    {
        await using var harness = await BankHarness.CreateAsync(postgres, FakeBank.BaseUrl, new FakeBank(_ => (status, "{}")));

        await Assert.ThrowsAsync<BankUnavailableException>(() =>
            harness.Kit.RunAsync(harness.Consent, BankHarness.Aisp, Skills.Consent, BankHarness.ConsentData, cancellationToken: Cancel));
    }

    [Theory]
    [InlineData("received", "SCA_TIMEOUT")]
    [InlineData("rejected", "CONSENT_REJECTED")]
    public async Task Decoupled_polling_ends_after_its_limit_or_at_a_refusal(string status, string code)
    {
        var bank = new FakeBank(r => r.Route switch
        {
            "POST /v1/consents" => (201, """{"consentStatus":"received","consentId":"c-1","_links":{"startAuthorisationWithPsuIdentification":{"href":"/x"}}}"""),
            "POST /v1/consents/c-1/authorisations" => (201, """{"scaStatus":"received","authorisationId":"a-1","psuMessage":"Open the app"}"""),
            "GET /v1/consents/c-1/status" => (200, $$"""{"consentStatus":"{{status}}"}"""),
            _ => (404, "{}"),
        });
        await using var harness = await BankHarness.CreateAsync(postgres, FakeBank.BaseUrl, bank);

        var flow = await harness.RunAsync(BankHarness.Aisp, BankHarness.ConsentData, Cancel);

        Assert.Equal(("FAILED", code), (flow.End.Outcome, flow.End.Error!.Code));
        Assert.Equal(status == "received" ? harness.Options.MaxPolls : 1, bank.Requests.Count(r => r.Route == "GET /v1/consents/c-1/status"));
        Assert.Equal("Open the app", flow.Steps[0].Action!.Instruction);
    }

    [Fact]
    public async Task A_redirect_the_user_leaves_or_refuses_fails_sca_timeout_or_sca_denied()
    {
        var bank = new FakeBank(r => r.Route switch
        {
            "POST /v1/consents" => (201, """{"consentStatus":"received","consentId":"c-1","_links":{"scaRedirect":{"href":"https://bank.test/sca"}}}"""),
            "GET /v1/consents/c-1/status" => (200, """{"consentStatus":"received"}"""),
            _ => (404, "{}"),
        });
        await using var harness = await BankHarness.CreateAsync(postgres, FakeBank.BaseUrl, bank);
        var run = await harness.Kit.RunAsync(harness.Consent, BankHarness.Aisp, Skills.Consent, BankHarness.ConsentData, cancellationToken: Cancel);

        Assert.Equal(harness.Options.RedirectTimeout, run.Outcome.FollowUpAfter);
        var left = await harness.Kit.FollowUpAsync(harness.Consent, run, Cancel);
        var refused = await harness.ReturnAsync(run, ok: false);

        Assert.Equal(("FAILED", "SCA_TIMEOUT"), (left.Message.Outcome, left.Message.Error!.Code));
        Assert.Equal(("FAILED", "SCA_DENIED"), (refused!.Outcome, refused.Error!.Code));
    }

    [Theory]
    [InlineData("finalised", null)]
    [InlineData("failed", "INVALID_OTP")]
    public async Task An_embedded_payment_is_authorised_by_the_otp_and_a_wrong_otp_rejects_it(string scaStatus, string? code)
    {
        var bank = new FakeBank(r => r.Route switch
        {
            "POST /v1/payments/sepa-credit-transfers" => (201, """{"transactionStatus":"RCVD","paymentId":"p-1","_links":{"startAuthorisationWithPsuAuthentication":{"href":"/x"}}}"""),
            "POST /v1/payments/sepa-credit-transfers/p-1/authorisations" => (201, """{"scaStatus":"scaMethodSelected","authorisationId":"a-1","chosenScaMethod":{"authenticationType":"SMS_OTP","authenticationMethodId":"sms"}}"""),
            "PUT /v1/payments/sepa-credit-transfers/p-1/authorisations/a-1" => (200, $$"""{"scaStatus":"{{scaStatus}}"}"""),
            "GET /v1/payments/sepa-credit-transfers/p-1/status" => (200, """{"transactionStatus":"ACSC"}"""),
            _ => (404, "{}"),
        });
        await using var harness = await BankHarness.CreateAsync(postgres, FakeBank.BaseUrl, bank);
        var data = new { creditor_name = "Jane", creditor_iban = "DE89370400440532013000", debtor_iban = "DE40100100103307118608", amount = "9.99", currency = "EUR", password = "pw" };

        var flow = await harness.RunAsync(BankHarness.Pisp, data, Cancel);

        Assert.Equal(code is null ? ("COMPLETED", "ACSC") : ("FAILED", "RJCT"), (flow.End.Outcome, ResultFields.Read(flow.End.Result, "transaction_status")));
        Assert.Equal(code, flow.End.Error?.Code);
        Assert.Equal(code is null ? ["RCVD", "ACSC"] : ["RCVD", "RJCT"], harness.Published.OfType<PaymentStatusChanged>().Select(s => s.Status));
    }

    [Fact]
    public async Task A_next_page_link_to_another_resource_fails_the_read_rather_than_following_it()
    {
        var bank = new FakeBank(r => r.Route switch
        {
            "GET /v1/accounts" => (200, Account),
            "GET /v1/accounts/r-1/balances" => (200, Balances),
            "GET /v1/accounts/r-1/transactions" => (200, """{"transactions":{"booked":[],"_links":{"next":{"href":"https://elsewhere.test/v1/accounts/r-1/transactions?p=2"}}}}"""),
            _ => (404, "{}"),
        });
        await using var harness = await BankHarness.CreateAsync(postgres, FakeBank.BaseUrl, bank);
        var consent = new BankConsent("con_x", BankHarness.Key, "c-1", Guid.NewGuid(), "fqc_test", BankHarness.Aisp, DateTimeOffset.UtcNow.AddDays(1), null);

        var error = await Assert.ThrowsAsync<BankResponseInvalidException>(() => harness.Accounts.ReadAsync(harness.Banks.For(BankHarness.Aisp), consent, new BankHeaders(), Cancel));

        Assert.Contains("not on this bank", error.Message, StringComparison.Ordinal);
        Assert.Single(bank.Requests, r => r.Route == "GET /v1/accounts/r-1/transactions");
    }

    [Fact]
    public async Task Reads_are_retried_on_503_and_posts_never_since_a_post_creates_a_consent_or_a_payment()
    {
        var calls = 0;
        var bank = new FakeBank(r => r.Method == "GET" && Interlocked.Increment(ref calls) == 1 ? (503, "{}") : r.Method == "GET" ? (200, """{"consentStatus":"valid"}""") : (503, "{}"));
        var services = new ServiceCollection();
        services.AddBankHttpClient("mockbank", new BankOptions { BaseUrl = FakeBank.BaseUrl }).ConfigurePrimaryHttpMessageHandler(() => bank);
        var http = services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient(Banks.HttpClientPrefix + "mockbank");
        var client = new BankClient(http, "mockbank", new BankOptions { BaseUrl = FakeBank.BaseUrl });

        Assert.Equal("valid", await client.ConsentStatusAsync("c-1", new BankHeaders(), Cancel));
        await Assert.ThrowsAsync<BankUnavailableException>(() => client.DeleteConsentAsync("c-1", new BankHeaders(), Cancel));

        Assert.Equal(2, bank.Requests.Count(r => r.Method == "GET"));
        Assert.Single(bank.Requests, r => r.Method == "DELETE");
    }

    [Fact]
    public void The_client_certificate_loads_from_pem_files_a_pfx_or_a_kubernetes_tls_secret()
    {
        var folder = TestInfrastructure.TempDirectory("qwac");
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=Finqware TPP test QWAC", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(Path.Combine(folder, "tls.crt"), certificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(folder, "tls.key"), key.ExportPkcs8PrivateKeyPem());
            File.WriteAllBytes(Path.Combine(folder, "qwac.pfx"), certificate.Export(X509ContentType.Pfx, "pfx-pass"));

            foreach (var options in new[]
            {
                new ClientCertificateOptions { Path = Path.Combine(folder, "tls.crt"), KeyPath = Path.Combine(folder, "tls.key") },
                new ClientCertificateOptions { Path = Path.Combine(folder, "qwac.pfx"), Password = "pfx-pass" },
                new ClientCertificateOptions { SecretDirectory = folder },
            })
            {
                Assert.Empty(options.Problems());
                using var loaded = ConnectorExtensions.Load(options);
                Assert.True(loaded.HasPrivateKey);
                Assert.Equal(certificate.Thumbprint, loaded.Thumbprint);
            }

            Assert.Contains("does not exist", Assert.Single(new ClientCertificateOptions { Path = Path.Combine(folder, "missing.pem") }.Problems()), StringComparison.Ordinal);
        }
        finally
        {
            TestInfrastructure.DeleteQuietly(folder);
        }
    }

    [Fact]
    public void A_configuration_that_cannot_work_is_refused_at_start_naming_each_setting()
    {
        var options = new BerlinGroupOptions
        {
            Banks =
            {
                ["Bad-Key"] = new BankOptions { BaseUrl = new Uri("ftp://bank.test"), ScaApproaches = ["OAUTH"], RequiresSignature = true, ConsentValidityDays = 400 },
            },
        };

        var problems = string.Join("\n", options.Problems());

        foreach (var setting in new[]
        {
            "BerlinGroup__CallbackKey", "BerlinGroup__PublicBaseUrl", "BerlinGroup__Banks__Bad-Key:", "Bad-Key__BaseUrl", "Bad-Key__ScaApproaches",
            "Bad-Key__RequiresSignature", "Bad-Key__ConsentValidityDays",
        })
        {
            Assert.Contains(setting, problems, StringComparison.Ordinal);
        }
    }
}
