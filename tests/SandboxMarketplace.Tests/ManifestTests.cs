using Finqware.Contracts.Skills;
using Finqware.SkillConnectors.SandboxMarketplace;
using NJsonSchema;

namespace Finqware.SandboxMarketplace.Tests;

/// <summary>
/// The manifests as the catalog and SessionService read them: every step's first example is accepted (a sandbox
/// session can be driven from the catalog alone), the seed's product_form body exactly, and the schemas are strict.
/// </summary>
public sealed class ManifestTests
{
    public static TheoryData<string, string> Steps()
    {
        var data = new TheoryData<string, string>();
        foreach (var manifest in new[] { DepositSkill.Manifest, CreditCardSkill.Manifest })
        {
            foreach (var step in manifest.Steps)
            {
                data.Add(manifest.SkillId, step.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task Every_example_of_every_step_matches_its_strict_schema(string skill, string stepName)
    {
        var step = Step(skill, stepName);
        var schema = await JsonSchema.FromJsonAsync(step.DataSchema.GetRawText());

        Assert.False(step.DataSchema.GetProperty("additionalProperties").GetBoolean());
        var examples = step.DataSchema.GetProperty("examples").EnumerateArray().ToList();
        Assert.NotEmpty(examples);
        Assert.All(examples, example => Assert.Empty(schema.Validate(example.GetRawText())));
        Assert.Equal(
            step.DataSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(),
            step.DataSchema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order());
    }

    [Fact]
    public void The_skills_are_sandbox_marketplace_skills_of_provider_xyz_with_their_steps_in_order()
    {
        Assert.Equal(("xyz", "marketplace", "sandbox", "3.0"), (DepositSkill.Manifest.Provider, DepositSkill.Manifest.Type, DepositSkill.Manifest.Flavor, DepositSkill.Manifest.Version));
        Assert.Equal(["product_form", "personal_data", "kyc_documents", "sign_contract"], DepositSkill.Manifest.Steps.Select(s => s.Name));
        Assert.Equal(("xyz", "marketplace", "sandbox", "1.0"), (CreditCardSkill.Manifest.Provider, CreditCardSkill.Manifest.Type, CreditCardSkill.Manifest.Flavor, CreditCardSkill.Manifest.Version));
        Assert.Equal(["card_form", "personal_data", "kyc_documents", "sign_agreement"], CreditCardSkill.Manifest.Steps.Select(s => s.Name));
        Assert.Equal("skill-xyz-sbx-3-0", DepositSkill.Manifest.Queue);
        Assert.Equal("skill-xyz-cc-sbx-1-0", CreditCardSkill.Manifest.Queue);
    }

    [Fact]
    public void Kyc_documents_requires_both_sides_of_the_id_and_a_selfie_with_types_and_sizes_and_is_async()
    {
        var kyc = ApplicantSteps.KycDocuments;

        Assert.True(kyc.Async);
        Assert.Equal(["id_front", "id_back", "selfie"], kyc.Uploads.Select(u => u.Kind));
        Assert.All(kyc.Uploads, u => Assert.True(u.Required && u.MaxBytes == 5 * 1024 * 1024));
        Assert.Equal(["image/jpeg", "image/png", "application/pdf"], kyc.Uploads[0].ContentTypes);
        Assert.Equal(["image/jpeg", "image/png"], kyc.Uploads[2].ContentTypes);
        Assert.All(DepositSkill.Manifest.Steps.Concat(CreditCardSkill.Manifest.Steps).Where(s => s.Name != "kyc_documents"), s => Assert.Empty(s.Uploads));
    }

    [Fact]
    public async Task The_seeds_product_form_body_is_accepted_exactly()
    {
        var data = JsonDocument.Parse("""
            {
                "value": "100000",
                "currency": "EUR",
                "period": "12"
            }
            """).RootElement;

        Assert.Empty(await ValidateAsync(DepositSkill.SkillId, "product_form", data.GetRawText()));
        var example = Step(DepositSkill.SkillId, "product_form").DataSchema.GetProperty("examples")[0];
        Assert.Equal(data.EnumerateObject().Select(p => (p.Name, p.Value.GetString())), example.EnumerateObject().Select(p => (p.Name, p.Value.GetString())));
    }

    [Theory]
    [InlineData("""{"value":"999","currency":"EUR","period":"12"}""")]
    [InlineData("""{"value":"1000001","currency":"EUR","period":"12"}""")]
    [InlineData("""{"value":"1000000.01","currency":"EUR","period":"12"}""")]
    [InlineData("""{"value":"5000.123","currency":"EUR","period":"12"}""")]
    [InlineData("""{"value":"05000","currency":"EUR","period":"12"}""")]
    [InlineData("""{"value":100000,"currency":"EUR","period":"12"}""")]
    [InlineData("""{"value":"100000","currency":"GBP","period":"12"}""")]
    [InlineData("""{"value":"100000","currency":"EUR","period":"7"}""")]
    [InlineData("""{"value":"100000","currency":"EUR"}""")]
    [InlineData("""{"value":"100000","currency":"EUR","period":"12","rate":"9.00"}""")]
    public async Task Product_form_refuses_values_out_of_range_unknown_currencies_and_periods_and_extra_fields(string data) =>
        Assert.NotEmpty(await ValidateAsync(DepositSkill.SkillId, "product_form", data));

    [Theory]
    [InlineData("""{"value":"1000","currency":"RON","period":"1"}""")]
    [InlineData("""{"value":"1000000","currency":"USD","period":"36"}""")]
    [InlineData("""{"value":"1000000.00","currency":"EUR","period":"24"}""")]
    [InlineData("""{"value":"2500.5","currency":"EUR","period":"3"}""")]
    public async Task Product_form_accepts_the_edges_of_its_ranges(string data) =>
        Assert.Empty(await ValidateAsync(DepositSkill.SkillId, "product_form", data));

    [Theory]
    [InlineData("""{"requested_limit":400,"monthly_income":3000,"currency":"EUR","employment_status":"employed"}""")]
    [InlineData("""{"requested_limit":50100,"monthly_income":3000,"currency":"EUR","employment_status":"employed"}""")]
    [InlineData("""{"requested_limit":5050,"monthly_income":3000,"currency":"EUR","employment_status":"employed"}""")]
    [InlineData("""{"requested_limit":5000,"monthly_income":-1,"currency":"EUR","employment_status":"employed"}""")]
    [InlineData("""{"requested_limit":5000,"monthly_income":3000,"currency":"EUR","employment_status":"pirate"}""")]
    [InlineData("""{"requested_limit":"5000","monthly_income":3000,"currency":"EUR","employment_status":"employed"}""")]
    [InlineData("""{"requested_limit":5000,"monthly_income":3000,"currency":"EUR","employment_status":"employed","apr":1}""")]
    public async Task Card_form_refuses_limits_and_incomes_out_of_range_and_extra_fields(string data) =>
        Assert.NotEmpty(await ValidateAsync(CreditCardSkill.SkillId, "card_form", data));

    [Theory]
    [InlineData("""{"first_name":"Ana","last_name":"Popescu","date_of_birth":"1990-13-12","national_id":"2900412400011","email":"ana.popescu@example.com","phone":"+40712345678","address":"Strada Lipscani 10","country":"RO"}""")]
    [InlineData("""{"first_name":"Ana","last_name":"Popescu","date_of_birth":"1990-04-12","national_id":"2900412400011","email":"not an address","phone":"+40712345678","address":"Strada Lipscani 10","country":"RO"}""")]
    [InlineData("""{"first_name":"Ana","last_name":"Popescu","date_of_birth":"1990-04-12","national_id":"2900412400011","email":"ana.popescu@example.com","phone":"0712345678","address":"Strada Lipscani 10","country":"RO"}""")]
    [InlineData("""{"first_name":"","last_name":"Popescu","date_of_birth":"1990-04-12","national_id":"2900412400011","email":"ana.popescu@example.com","phone":"+40712345678","address":"Strada Lipscani 10","country":"RO"}""")]
    [InlineData("""{"first_name":"Ana","last_name":"Popescu","date_of_birth":"1990-04-12","national_id":"2900412400011","email":"ana.popescu@example.com","phone":"+40712345678","address":"Strada Lipscani 10","country":"Romania"}""")]
    public async Task Personal_data_refuses_malformed_dates_emails_phones_names_and_countries(string data) =>
        Assert.NotEmpty(await ValidateAsync(DepositSkill.SkillId, "personal_data", data));

    [Theory]
    [InlineData(DepositSkill.SkillId, "sign_contract", """{"accept_terms":false,"payout_iban":"RO49AAAA1B31007593840000"}""")]
    [InlineData(DepositSkill.SkillId, "sign_contract", """{"accept_terms":true,"payout_iban":"not an iban"}""")]
    [InlineData(CreditCardSkill.SkillId, "sign_agreement", """{"accept_terms":false,"name_on_card":"ANA POPESCU"}""")]
    [InlineData(CreditCardSkill.SkillId, "sign_agreement", """{"accept_terms":true,"name_on_card":"ana popescu"}""")]
    [InlineData(CreditCardSkill.SkillId, "kyc_documents", """{"document_type":"passport","document_number":"RX123456"}""")]
    public async Task Terms_must_be_accepted_and_documents_and_names_well_formed(string skill, string step, string data) =>
        Assert.NotEmpty(await ValidateAsync(skill, step, data));

    private static StepManifest Step(string skill, string name) =>
        (skill == DepositSkill.SkillId ? DepositSkill.Manifest : CreditCardSkill.Manifest).Steps.Single(s => s.Name == name);

    private static async Task<ICollection<NJsonSchema.Validation.ValidationError>> ValidateAsync(string skill, string step, string data) =>
        (await JsonSchema.FromJsonAsync(Step(skill, step).DataSchema.GetRawText())).Validate(data);
}
