using Finqware.Contracts.Sessions;
using Finqware.SessionService.Applications;
using Finqware.SessionService.Payments;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Tests;

/// <summary>Payments and marketplace applications as connectors report them over RabbitMQ, read back by the tenant's server.</summary>
public sealed class PaymentAndApplicationTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : WithTestBank(postgres, rabbit)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 12, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_payment_moves_through_its_statuses_to_ACSC_in_order_and_a_terminal_status_never_changes()
    {
        var tenant = await Host.NewTenantAsync("http://127.0.0.1:9/hook");
        var sessionId = Guid.NewGuid();
        // The first status change overtakes the initiation (they travel on separate queues): both end up in one payment.
        await Bank.PublishAndWaitAsync(Status(tenant, sessionId, "pay-1", "ACTC", T0.AddSeconds(1)), nameof(PaymentStatusChangedConsumer));
        await Bank.PublishAndWaitAsync(Initiated(tenant, sessionId, "pay-1"), nameof(PaymentInitiatedConsumer));
        await Bank.PublishAndWaitAsync(Status(tenant, sessionId, "pay-1", "ACSP", T0.AddSeconds(2)), nameof(PaymentStatusChangedConsumer));
        var acsc = Status(tenant, sessionId, "pay-1", "ACSC", T0.AddSeconds(3));
        await Bank.PublishAndWaitAsync(acsc, nameof(PaymentStatusChangedConsumer));
        var settled = (await GetAsync(tenant, "/payments/pay-1")).Body.ToString();

        // A duplicate, and a status after the terminal one: nothing changes, no webhook.
        var hooks = await Host.QueryAsync(db => db.WebhookDeliveries.CountAsync(w => w.EventType == "PAYMENT_STATUS_CHANGED"));
        await Bank.PublishAndWaitAsync(acsc, nameof(PaymentStatusChangedConsumer));
        await Bank.PublishAndWaitAsync(Status(tenant, sessionId, "pay-1", "RJCT", T0.AddSeconds(4), "too late"), nameof(PaymentStatusChangedConsumer));
        await Bank.PublishAndWaitAsync(Initiated(tenant, sessionId, "pay-1"), nameof(PaymentInitiatedConsumer));

        var (status, payment) = await GetAsync(tenant, "/payments/pay-1");
        Assert.Equal(200, status);
        Assert.Equal(settled, payment.ToString());
        Assert.Equal(1, await Host.QueryAsync(db => db.Payments.CountAsync(p => p.PaymentId == "pay-1")));
        Assert.Equal(hooks, await Host.QueryAsync(db => db.WebhookDeliveries.CountAsync(w => w.EventType == "PAYMENT_STATUS_CHANGED")));
        Assert.Equal("ACSC", payment.GetProperty("status").GetString());
        Assert.Equal(["RCVD", "ACTC", "ACSP", "ACSC"], payment.GetProperty("status_history").EnumerateArray().Select(h => h.GetProperty("status").GetString()));
        Assert.Equal(sessionId, payment.GetProperty("session_id").GetGuid());
        Assert.Equal(TestBank.Skill, payment.GetProperty("skill").GetString());
        Assert.Equal("Utility Co", payment.GetProperty("creditor_name").GetString());
        Assert.Equal("DE89370400440532013000", payment.GetProperty("creditor_iban").GetString());
        Assert.Equal("123.40", payment.GetProperty("amount").GetString());
        Assert.Equal("EUR", payment.GetProperty("currency").GetString());
        Assert.Equal("Invoice 42", payment.GetProperty("remittance_information").GetString());
        Assert.Equal(T0, payment.GetProperty("created_at").GetDateTimeOffset());
        Assert.Equal(T0.AddSeconds(3), payment.GetProperty("updated_at").GetDateTimeOffset());

        // ACTC, ACSP and ACSC each told the tenant.
        var bodies = await Host.QueryAsync(db => db.WebhookDeliveries.Where(w => w.EventType == "PAYMENT_STATUS_CHANGED").Select(w => w.Payload).ToListAsync());
        Assert.Equal(["ACSC", "ACSP", "ACTC"], bodies.Select(b => JsonDocument.Parse(b).RootElement.GetProperty("status").GetString()).Order(StringComparer.Ordinal));
        Assert.All(bodies, b => Assert.Equal("pay-1", JsonDocument.Parse(b).RootElement.GetProperty("payment_id").GetString()));
    }

    [Fact]
    public async Task A_rejected_payment_keeps_RJCT_and_its_reason()
    {
        var tenant = await Host.NewTenantAsync();
        var sessionId = Guid.NewGuid();
        await Bank.PublishAndWaitAsync(Initiated(tenant, sessionId, "pay-2"), nameof(PaymentInitiatedConsumer));
        await Bank.PublishAndWaitAsync(Status(tenant, sessionId, "pay-2", "RJCT", T0.AddSeconds(1), "AM04 insufficient funds"), nameof(PaymentStatusChangedConsumer));
        await Bank.PublishAndWaitAsync(Status(tenant, sessionId, "pay-2", "ACSC", T0.AddSeconds(2)), nameof(PaymentStatusChangedConsumer));

        var (_, payment) = await GetAsync(tenant, "/payments/pay-2");
        Assert.Equal("RJCT", payment.GetProperty("status").GetString());
        Assert.Equal("AM04 insufficient funds", payment.GetProperty("reason").GetString());
        Assert.Equal(["RCVD", "RJCT"], payment.GetProperty("status_history").EnumerateArray().Select(h => h.GetProperty("status").GetString()));
        Assert.Equal("AM04 insufficient funds", payment.GetProperty("status_history")[1].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task An_application_keeps_its_offer_verification_and_contract_and_ignores_duplicates_and_stale_updates()
    {
        var tenant = await Host.NewTenantAsync();
        var sessionId = Guid.NewGuid();
        var offer = JsonSerializer.SerializeToElement(new { rate = "3.50", maturity_months = 12 });
        var contract = JsonSerializer.SerializeToElement(new { contract_id = "ct-9", signed_at = "2026-01-12T09:05:00Z" });

        await Bank.PublishAndWaitAsync(Application(tenant, sessionId, "OFFERED", T0, offer: offer), nameof(ApplicationUpdatedConsumer));
        var (_, offered) = await GetAsync(tenant, "/applications/app-1");
        Assert.Equal("OFFERED", offered.GetProperty("status").GetString());
        Assert.Equal("3.50", offered.GetProperty("offer").GetProperty("rate").GetString());
        Assert.Equal(JsonValueKind.Null, offered.GetProperty("verification").ValueKind);
        Assert.Equal(JsonValueKind.Null, offered.GetProperty("contract").ValueKind);

        await Bank.PublishAndWaitAsync(Application(tenant, sessionId, "VERIFICATION_PENDING", T0.AddMinutes(1)), nameof(ApplicationUpdatedConsumer));
        var (_, pending) = await GetAsync(tenant, "/applications/app-1");
        Assert.Equal("PENDING", pending.GetProperty("verification").GetProperty("status").GetString());
        Assert.Equal("3.50", pending.GetProperty("offer").GetProperty("rate").GetString());

        var verified = new VerificationCompleted { SessionId = sessionId, StepId = Guid.NewGuid(), ClientId = tenant.ClientId, Approved = true, At = T0.AddMinutes(2) };
        await Bank.PublishAndWaitAsync(verified, nameof(VerificationCompletedConsumer));
        await Bank.PublishAndWaitAsync(verified with { Approved = false, Reason = "second opinion" }, nameof(VerificationCompletedConsumer));
        var signed = Application(tenant, sessionId, "CONTRACT_SIGNED", T0.AddMinutes(5), contract: contract);
        await Bank.PublishAndWaitAsync(signed, nameof(ApplicationUpdatedConsumer));
        var final = (await GetAsync(tenant, "/applications/app-1")).Body.ToString();

        await Bank.PublishAndWaitAsync(signed, nameof(ApplicationUpdatedConsumer));
        await Bank.PublishAndWaitAsync(Application(tenant, sessionId, "VERIFICATION_PENDING", T0.AddMinutes(1)), nameof(ApplicationUpdatedConsumer));

        var (status, application) = await GetAsync(tenant, "/applications/app-1");
        Assert.Equal(200, status);
        Assert.Equal(final, application.ToString());
        Assert.Equal(1, await Host.QueryAsync(db => db.Applications.CountAsync(a => a.ApplicationId == "app-1")));
        Assert.Equal("CONTRACT_SIGNED", application.GetProperty("status").GetString());
        Assert.Equal("deposit", application.GetProperty("product").GetString());
        Assert.Equal("3.50", application.GetProperty("offer").GetProperty("rate").GetString());
        Assert.Equal("ct-9", application.GetProperty("contract").GetProperty("contract_id").GetString());
        var verification = application.GetProperty("verification");
        Assert.Equal("APPROVED", verification.GetProperty("status").GetString());
        Assert.Equal(T0.AddMinutes(2), verification.GetProperty("decided_at").GetDateTimeOffset());
        Assert.Equal(T0, application.GetProperty("created_at").GetDateTimeOffset());
        Assert.Equal(T0.AddMinutes(5), application.GetProperty("updated_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task An_event_naming_another_tenants_session_is_dropped()
    {
        var owner = await Host.NewTenantAsync(null, TestBank.Skill);
        var intruder = await Host.NewTenantAsync();
        var sessionId = (await Host.Sessions(owner).OpenAsync(TestBank.Skill)).Id;

        await Bank.PublishAndWaitAsync(Initiated(intruder, sessionId, "pay-x"), nameof(PaymentInitiatedConsumer));
        await Bank.PublishAndWaitAsync(Application(intruder, sessionId, "OFFERED", T0), nameof(ApplicationUpdatedConsumer));

        Assert.Equal(404, (await GetAsync(intruder, "/payments/pay-x")).Status);
        Assert.Equal(404, (await GetAsync(owner, "/payments/pay-x")).Status);
        Assert.Equal(404, (await GetAsync(intruder, "/applications/app-1")).Status);
    }

    private static PaymentInitiated Initiated(TestTenant tenant, Guid sessionId, string paymentId) => new()
    {
        PaymentId = paymentId, SessionId = sessionId, StepId = Guid.NewGuid(), ClientId = tenant.ClientId, Skill = TestBank.Skill,
        CreditorName = "Utility Co", CreditorIban = "DE89370400440532013000", Amount = 123.4m, Currency = "EUR",
        RemittanceInformation = "Invoice 42", Status = "RCVD", At = T0,
    };

    private static PaymentStatusChanged Status(TestTenant tenant, Guid sessionId, string paymentId, string status, DateTimeOffset at, string? reason = null) => new()
    {
        PaymentId = paymentId, SessionId = sessionId, ClientId = tenant.ClientId, Status = status, Reason = reason, At = at,
    };

    private static ApplicationUpdated Application(TestTenant tenant, Guid sessionId, string status, DateTimeOffset at, JsonElement? offer = null, JsonElement? contract = null) => new()
    {
        ApplicationId = "app-1", SessionId = sessionId, ClientId = tenant.ClientId, Skill = TestSkills.Deposit, Product = "deposit",
        Status = status, Offer = offer, Contract = contract, At = at,
    };

    private Task<(int Status, JsonElement Body)> GetAsync(TestTenant tenant, string path) =>
        Host.SendAsync(HttpMethod.Get, path, auth: SessionHost.Bearer(Host.ApiToken(tenant.ClientId)));
}
