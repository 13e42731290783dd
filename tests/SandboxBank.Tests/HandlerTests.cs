using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.SandboxBank;
using Finqware.SkillConnectors.Sdk.Testing;
using Microsoft.Extensions.Options;

namespace Finqware.SandboxBank.Tests;

/// <summary>The sandbox bank's handlers run through the SDK's test kit (no broker, no database).</summary>
public sealed class HandlerTests
{
    private static readonly IOptions<SandboxBankOptions> Options = Microsoft.Extensions.Options.Options.Create(new SandboxBankOptions
    {
        PublicBaseUrl = "http://gateway.example/",
        DecoupledApprovalDelay = TimeSpan.FromSeconds(3),
        PaymentStatusDelay = TimeSpan.FromSeconds(1),
    });

    private readonly ConnectorTestKit kit = new();

    [Theory]
    [InlineData("user_good", "pass_good", "COMPLETED", "EMBEDDED")]
    [InlineData("user_decoupled", "pass_good", "COMPLETED", "DECOUPLED")]
    [InlineData("user_redirect", "pass_good", "COMPLETED", "REDIRECT")]
    [InlineData("anyone_else", "pass_good", "COMPLETED", "EMBEDDED")]
    [InlineData("user_good", "pass_bad", "FAILED", "INVALID_CREDENTIALS")]
    [InlineData("user_locked", "pass_good", "FAILED", "ACCOUNT_LOCKED")]
    public async Task Credentials_choose_the_sca_approach_or_fail_with_the_documented_code(string username, string password, string outcome, string detail)
    {
        var run = await kit.RunAsync(new CredentialsHandler(), Skills.Aisp, "credentials", new { username, password });

        Assert.Equal(outcome, run.Message.Outcome);
        Assert.Equal(detail, outcome == "COMPLETED" ? run.Message.Result!.Value.GetProperty("sca_method").GetString() : run.Message.Error!.Code);
    }

    [Fact]
    public async Task The_payment_form_checks_the_creditor_iban_and_publishes_the_initiation_then_rcvd()
    {
        var bad = await kit.RunAsync(new PaymentFormHandler(Bank()), Skills.Pisp, "payment_form", Form("25.00", "DE00370400440532013000"));
        var good = await kit.RunAsync(new PaymentFormHandler(Bank()), Skills.Pisp, "payment_form", Form("25.00"));

        Assert.Equal("INVALID_CREDITOR_IBAN", bad.Message.Error!.Code);
        Assert.Empty(bad.PublishedEvents);
        Assert.Equal("RCVD", good.Message.Result!.Value.GetProperty("transaction_status").GetString());
        var initiated = Assert.IsType<PaymentInitiated>(good.PublishedEvents[0]);
        var rcvd = Assert.IsType<PaymentStatusChanged>(good.PublishedEvents[1]);
        Assert.Equal((initiated.PaymentId, "RCVD", 25.00m), (rcvd.PaymentId, rcvd.Status, initiated.Amount));
        Assert.Equal(Ids.Payment(good.Command.StepId), initiated.PaymentId);
    }

    [Fact]
    public async Task An_authorised_payment_goes_actc_then_acsp_then_acsc_on_its_follow_ups()
    {
        var handler = new PaymentScaHandler(Bank(), Options);
        var sca = await kit.RunAsync(handler, Skills.Pisp, "sca", new { otp = "123456" }, previousResults: Previous("25.00", "EMBEDDED"));
        var acsp = await kit.FollowUpAsync(handler, sca);
        var acsc = await kit.FollowUpAsync(handler, acsp);

        Assert.Equal(("COMPLETED", "ACTC"), (sca.Message.Outcome, sca.Message.Result!.Value.GetProperty("transaction_status").GetString()));
        Assert.Equal(TimeSpan.FromSeconds(1), sca.Outcome.FollowUpAfter);
        Assert.Equal(["ACTC", "ACSP", "ACSC"], new[] { sca, acsp, acsc }.Select(r => r.Published<PaymentStatusChanged>().Status));
        Assert.False(acsc.Changed);
        Assert.Null(acsc.Outcome.FollowUpAfter);
    }

    [Theory]
    [InlineData("666.66", "123456", "INSUFFICIENT_FUNDS", new[] { "RJCT" })]
    [InlineData("999.99", "123456", "PAYMENT_CANCELLED", new[] { "ACTC", "CANC" })]
    [InlineData("25.00", "000000", "INVALID_OTP", new[] { "RJCT" })]
    public async Task Documented_amounts_and_a_wrong_otp_fail_the_payment_with_its_berlin_group_status(string amount, string otp, string code, string[] statuses)
    {
        var run = await kit.RunAsync(new PaymentScaHandler(Bank(), Options), Skills.Pisp, "sca", new { otp }, previousResults: Previous(amount, "EMBEDDED"));

        Assert.Equal(("FAILED", code), (run.Message.Outcome, run.Message.Error!.Code));
        Assert.Equal(statuses[^1], run.Message.Result!.Value.GetProperty("transaction_status").GetString());
        Assert.Equal(statuses, run.PublishedEvents.OfType<PaymentStatusChanged>().Select(s => s.Status));
    }

    [Fact]
    public async Task Decoupled_sca_waits_for_the_app_and_redirect_sca_links_to_the_banks_page_through_the_gateway()
    {
        var handler = new PaymentScaHandler(Bank(), Options);
        var decoupled = await kit.RunAsync(handler, Skills.Pisp, "sca", new { }, previousResults: Previous("25.00", "DECOUPLED"));
        var approved = await kit.FollowUpAsync(handler, decoupled);
        var redirect = await kit.RunAsync(handler, Skills.Pisp, "sca", new { }, previousResults: Previous("25.00", "REDIRECT"));

        Assert.Equal(("ACTION_REQUIRED", "decoupled", TimeSpan.FromSeconds(3)), (decoupled.Message.Outcome, decoupled.Message.Action!.Type, decoupled.Outcome.FollowUpAfter));
        Assert.Equal("COMPLETED", approved.Message.Outcome);
        Assert.Equal("redirect", redirect.Message.Action!.Type);
        Assert.Matches($"^http://gateway\\.example/sandbox/authorise/{redirect.Command.StepId}\\?token=[0-9a-f]{{32}}$", redirect.Message.Action.Url);
        Assert.Null(redirect.Outcome.FollowUpAfter);
    }

    private static PaymentInitiation Bank() => new(Options, TimeProvider.System);

    private static object Form(string amount, string iban = "DE89370400440532013000") =>
        new { creditor_name = "Jane Doe", creditor_iban = iban, amount, currency = "EUR" };

    private static Dictionary<string, object> Previous(string amount, string method) => new()
    {
        ["payment_form"] = new { payment_id = "pay_test", transaction_status = "RCVD", amount },
        ["credentials"] = new { psu_id = "user_good", sca_method = method, sca_status = "psuAuthenticated" },
    };
}
