using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.SandboxMarketplace;
using Finqware.SkillConnectors.Sdk;
using Finqware.SkillConnectors.Sdk.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Finqware.SandboxMarketplace.Tests;

/// <summary>
/// The marketplace's handlers run as the connector runs them (the SDK's test kit): results carry the application id,
/// offer and contract, every change publishes ApplicationUpdated, and identity verification is decided by a follow-up.
/// </summary>
public sealed class HandlerTests
{
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01];
    private static readonly byte[] OtherJpeg = [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00, 0x02];
    private static readonly byte[] Pdf = "%PDF-1.4\n% sandbox id back\n"u8.ToArray();

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 3, 10, 9, 30, 0, TimeSpan.Zero));
    private readonly ConnectorTestKit kit = new();

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Product_form_offers_the_seeds_deposit_and_publishes_the_application_as_offered()
    {
        var run = await kit.RunAsync(new ProductFormHandler(clock), DepositSkill.SkillId, "product_form",
            new { value = "100000", currency = "EUR", period = "12" }, cancellationToken: Cancel);

        Assert.Equal("COMPLETED", run.Message.Outcome);
        var result = run.Message.Result!.Value;
        var applicationId = result.GetProperty("application_id").GetString();
        Assert.StartsWith("dep_app_", applicationId, StringComparison.Ordinal);
        Assert.Equal("OFFERED", result.GetProperty("status").GetString());
        Assert.Equal("3.25", result.GetProperty("offer").GetProperty("rate").GetString());
        Assert.Equal("3250.00", result.GetProperty("offer").GetProperty("interest").GetString());
        Assert.Equal("2027-03-10", result.GetProperty("offer").GetProperty("maturity_date").GetString());

        var update = run.Published<ApplicationUpdated>();
        Assert.Equal((applicationId, "OFFERED", "deposit", DepositSkill.SkillId, kit.SessionId, kit.ClientId), (update.ApplicationId, update.Status, update.Product, update.Skill, update.SessionId, update.ClientId));
        Assert.Equal(result.GetProperty("offer").GetRawText(), update.Offer!.Value.GetRawText());
        Assert.Equal(clock.GetUtcNow(), update.At);
    }

    [Fact]
    public async Task The_same_session_always_names_the_same_application_and_another_session_another()
    {
        var first = await kit.RunAsync(new ProductFormHandler(clock), DepositSkill.SkillId, "product_form", new { value = "5000", currency = "RON", period = "6" }, cancellationToken: Cancel);
        var again = await kit.RunAsync(new ProductFormHandler(clock), DepositSkill.SkillId, "product_form", new { value = "5000", currency = "RON", period = "6" }, cancellationToken: Cancel);
        var other = await new ConnectorTestKit().RunAsync(new ProductFormHandler(clock), DepositSkill.SkillId, "product_form", new { value = "5000", currency = "RON", period = "6" }, cancellationToken: Cancel);

        Assert.Equal(first.Message.Result!.Value.GetRawText(), again.Message.Result!.Value.GetRawText());
        Assert.NotEqual(Id(first), Id(other));
    }

    [Fact]
    public async Task Personal_data_keeps_the_applicants_name_for_verification_and_refuses_applicants_under_18()
    {
        var adult = await kit.RunAsync(new PersonalDataHandler(clock), DepositSkill.SkillId, "personal_data", Person("Popescu", "2008-03-10"), stepNumber: 2, cancellationToken: Cancel);
        var minor = await new ConnectorTestKit().RunAsync(new PersonalDataHandler(clock), CreditCardSkill.SkillId, "personal_data", Person("Popescu", "2008-03-11"), stepNumber: 2, cancellationToken: Cancel);

        Assert.Equal("COMPLETED", adult.Message.Outcome);
        Assert.Equal("Popescu", adult.Message.Result!.Value.GetProperty("applicant").GetProperty("last_name").GetString());
        Assert.Empty(adult.PublishedEvents);
        Assert.Equal(("FAILED", "APPLICANT_UNDERAGE"), (minor.Message.Outcome, minor.Message.Error!.Code));
        Assert.StartsWith("cc_app_", minor.Message.Result!.Value.GetProperty("application_id").GetString(), StringComparison.Ordinal);
        var update = minor.Published<ApplicationUpdated>();
        Assert.Equal(("REJECTED", "APPLICANT_UNDERAGE", "credit_card"), (update.Status, update.Reason, update.Product));
    }

    [Fact]
    public async Task Kyc_documents_are_pending_verification_then_approved_by_the_follow_up_after_the_configured_delay()
    {
        var handler = Kyc(TimeSpan.FromSeconds(42));
        var offer = await kit.RunAsync(new ProductFormHandler(clock), DepositSkill.SkillId, "product_form", new { value = "100000", currency = "EUR", period = "12" }, cancellationToken: Cancel);
        var pending = await RunKycAsync(handler, DepositSkill.SkillId, "product_form", offer, "Popescu", Jpeg, Pdf, OtherJpeg);

        Assert.Equal("PENDING_VERIFICATION", pending.Message.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(42), pending.Outcome.FollowUpAfter);
        Assert.Equal("VERIFICATION_PENDING", pending.Message.Result!.Value.GetProperty("status").GetString());
        Assert.Equal(Id(offer), Id(pending));
        var waiting = pending.Published<ApplicationUpdated>();
        Assert.Equal("VERIFICATION_PENDING", waiting.Status);
        Assert.Equal("3.25", waiting.Offer!.Value.GetProperty("rate").GetString());

        clock.Advance(TimeSpan.FromSeconds(42));
        var decided = await kit.FollowUpAsync(handler, pending, Cancel);

        Assert.Equal("COMPLETED", decided.Message.Outcome);
        Assert.Equal("APPROVED", decided.Message.Result!.Value.GetProperty("status").GetString());
        Assert.Equal("APPROVED", decided.Message.Result!.Value.GetProperty("verification").GetProperty("status").GetString());
        var verification = decided.Published<VerificationCompleted>();
        Assert.Equal((true, pending.Command.StepId, clock.GetUtcNow()), (verification.Approved, verification.StepId, verification.At));
        Assert.Equal("APPROVED", decided.Published<ApplicationUpdated>().Status);
        Assert.Null(decided.Outcome.FollowUpAfter);
    }

    [Theory]
    [InlineData("Rejected", false, "IDENTITY_NOT_VERIFIED")]
    [InlineData(" rejected ", false, "IDENTITY_NOT_VERIFIED")]
    [InlineData("Popescu", true, "SELFIE_MATCHES_DOCUMENT")]
    public async Task Verification_rejects_the_documented_test_name_and_a_selfie_that_is_the_id_documents_file(string lastName, bool selfieIsIdFront, string reason)
    {
        var handler = Kyc(TimeSpan.FromSeconds(1));
        var offer = await kit.RunAsync(new CardFormHandler(clock), CreditCardSkill.SkillId, "card_form",
            new { requested_limit = 5000, monthly_income = 3000, currency = "EUR", employment_status = "employed" }, cancellationToken: Cancel);
        var pending = await RunKycAsync(handler, CreditCardSkill.SkillId, "card_form", offer, lastName, Jpeg, Pdf, selfieIsIdFront ? Jpeg : OtherJpeg);
        Assert.Equal("PENDING_VERIFICATION", pending.Message.Outcome);

        var decided = await kit.FollowUpAsync(handler, pending, Cancel);

        Assert.Equal(("FAILED", "VERIFICATION_REJECTED"), (decided.Message.Outcome, decided.Message.Error!.Code));
        Assert.Equal(reason, decided.Message.Result!.Value.GetProperty("verification").GetProperty("reason").GetString());
        Assert.Equal(Id(offer), Id(decided));
        var verification = decided.Published<VerificationCompleted>();
        Assert.Equal((false, reason), (verification.Approved, verification.Reason));
        var update = decided.Published<ApplicationUpdated>();
        Assert.Equal(("REJECTED", reason, "credit_card"), (update.Status, update.Reason, update.Product));
        Assert.Equal("5000.00", update.Offer!.Value.GetProperty("credit_limit").GetString());
    }

    [Fact]
    public async Task A_document_whose_bytes_do_not_match_its_recorded_digest_is_not_judged()
    {
        var front = kit.Attach("id_front", "image/jpeg", Jpeg) with { Sha256 = new string('0', 64) };
        var documents = new[] { front, kit.Attach("id_back", "application/pdf", Pdf), kit.Attach("selfie", "image/jpeg", OtherJpeg) };

        await Assert.ThrowsAsync<InvalidOperationException>(() => kit.RunAsync(Kyc(TimeSpan.Zero), DepositSkill.SkillId, "kyc_documents",
            new { document_type = "id_card", document_number = "RX123456" }, documents, 3, cancellationToken: Cancel));
    }

    [Fact]
    public async Task Sign_contract_makes_one_contract_of_the_offer_and_publishes_it_as_signed()
    {
        var offer = await kit.RunAsync(new ProductFormHandler(clock), DepositSkill.SkillId, "product_form", new { value = "100000", currency = "EUR", period = "12" }, cancellationToken: Cancel);
        var data = new { accept_terms = true, payout_iban = "RO49AAAA1B31007593840000" };
        var previous = new Dictionary<string, object> { ["product_form"] = offer.Message.Result!.Value };

        var signed = await kit.RunAsync(new SignContractHandler(clock), DepositSkill.SkillId, "sign_contract", data, stepNumber: 4, previousResults: previous, cancellationToken: Cancel);
        var again = await kit.RunAsync(new SignContractHandler(clock), DepositSkill.SkillId, "sign_contract", data, stepNumber: 4, previousResults: previous, cancellationToken: Cancel);

        Assert.Equal("COMPLETED", signed.Message.Outcome);
        var contract = signed.Message.Result!.Value.GetProperty("contract");
        Assert.StartsWith("dep_ctr_", contract.GetProperty("contract_id").GetString(), StringComparison.Ordinal);
        Assert.Equal(contract.GetProperty("contract_id").GetString(), again.Message.Result!.Value.GetProperty("contract").GetProperty("contract_id").GetString());
        Assert.Equal("103250.00", contract.GetProperty("terms").GetProperty("maturity_amount").GetString());
        Assert.Equal("RO49AAAA1B31007593840000", contract.GetProperty("payout_iban").GetString());
        var update = signed.Published<ApplicationUpdated>();
        Assert.Equal(("CONTRACT_SIGNED", Id(offer)), (update.Status, update.ApplicationId));
        Assert.Equal(contract.GetRawText(), update.Contract!.Value.GetRawText());
    }

    [Fact]
    public async Task Card_form_offers_limit_and_apr_or_refuses_with_a_stable_code_and_a_rejected_application()
    {
        var offered = await kit.RunAsync(new CardFormHandler(clock), CreditCardSkill.SkillId, "card_form",
            new { requested_limit = 20000, monthly_income = 3000, currency = "EUR", employment_status = "employed" }, cancellationToken: Cancel);
        var refused = await new ConnectorTestKit().RunAsync(new CardFormHandler(clock), CreditCardSkill.SkillId, "card_form",
            new { requested_limit = 2000, monthly_income = 900, currency = "EUR", employment_status = "employed" }, cancellationToken: Cancel);

        var offer = offered.Message.Result!.Value.GetProperty("offer");
        Assert.Equal(("9000.00", "18.90", "EUR"), (offer.GetProperty("credit_limit").GetString(), offer.GetProperty("apr").GetString(), offer.GetProperty("currency").GetString()));
        Assert.Equal("OFFERED", offered.Published<ApplicationUpdated>().Status);
        Assert.Equal(("FAILED", "INCOME_TOO_LOW"), (refused.Message.Outcome, refused.Message.Error!.Code));
        Assert.Equal("REJECTED", refused.Message.Result!.Value.GetProperty("status").GetString());
        var update = refused.Published<ApplicationUpdated>();
        Assert.Equal(("REJECTED", "INCOME_TOO_LOW", (JsonElement?)null), (update.Status, update.Reason, update.Offer));
    }

    [Fact]
    public async Task Sign_agreement_issues_the_sandbox_card_with_the_offered_limit()
    {
        var offer = await kit.RunAsync(new CardFormHandler(clock), CreditCardSkill.SkillId, "card_form",
            new { requested_limit = 5000, monthly_income = 3000, currency = "EUR", employment_status = "employed" }, cancellationToken: Cancel);

        var signed = await kit.RunAsync(new SignAgreementHandler(clock), CreditCardSkill.SkillId, "sign_agreement",
            new { accept_terms = true, name_on_card = "ANA POPESCU" }, stepNumber: 4,
            previousResults: new Dictionary<string, object> { ["card_form"] = offer.Message.Result!.Value }, cancellationToken: Cancel);

        var contract = signed.Message.Result!.Value.GetProperty("contract");
        Assert.StartsWith("cc_ctr_", contract.GetProperty("contract_id").GetString(), StringComparison.Ordinal);
        Assert.Equal("5000.00", contract.GetProperty("terms").GetProperty("credit_limit").GetString());
        Assert.Equal("ANA POPESCU", contract.GetProperty("card").GetProperty("name_on_card").GetString());
        Assert.Matches("^5412 75\\*\\* \\*\\*\\*\\* [0-9]{4}$", contract.GetProperty("card").GetProperty("masked_pan").GetString());
        Assert.Equal("2030-03", contract.GetProperty("card").GetProperty("expires").GetString());
        Assert.Equal("CONTRACT_SIGNED", signed.Published<ApplicationUpdated>().Status);
    }

    [Theory]
    [InlineData("2000-02-29", "2018-02-28", 17)]
    [InlineData("2000-02-29", "2018-03-01", 18)]
    [InlineData("1990-04-12", "2026-04-11", 35)]
    [InlineData("1990-04-12", "2026-04-12", 36)]
    public void Age_counts_completed_years(string born, string today, int age) =>
        Assert.Equal(age, PersonalDataHandler.AgeOn(DateOnly.Parse(born, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(today, System.Globalization.CultureInfo.InvariantCulture)));

    private KycDocumentsHandler Kyc(TimeSpan delay) => new(clock, Options.Create(new MarketplaceOptions { VerificationDelay = delay }));

    private Task<StepRun> RunKycAsync(KycDocumentsHandler handler, string skill, string offerStep, StepRun offer, string lastName, byte[] front, byte[] back, byte[] selfie)
    {
        var documents = new[]
        {
            kit.Attach("id_front", "image/jpeg", front),
            kit.Attach("id_back", back[0] == 0x25 ? "application/pdf" : "image/jpeg", back),
            kit.Attach("selfie", "image/jpeg", selfie),
        };
        var previous = new Dictionary<string, object>
        {
            [offerStep] = offer.Message.Result!.Value,
            ["personal_data"] = new { application_id = Id(offer), status = "OFFERED", applicant = new { first_name = "Ana", last_name = lastName } },
        };
        return kit.RunAsync(handler, skill, "kyc_documents", new { document_type = "id_card", document_number = "RX123456" }, documents, 3, previous, Cancel);
    }

    private static object Person(string lastName, string born) => new
    {
        first_name = "Ana", last_name = lastName, date_of_birth = born, national_id = "2900412400011",
        email = "ana.popescu@example.com", phone = "+40712345678", address = "Strada Lipscani 10, Bucuresti", country = "RO",
    };

    private static string? Id(StepRun run) => run.Message.Result!.Value.GetProperty("application_id").GetString();
}
