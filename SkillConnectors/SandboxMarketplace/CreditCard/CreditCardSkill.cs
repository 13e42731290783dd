using Finqware.Contracts.Skills;

namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary>
/// <c>xyz_cc_sbx_#1.0</c>: a credit card application. card_form (an offer: limit and APR, or a rejection),
/// personal_data, kyc_documents (three uploads, decided offline), sign_agreement (the card agreement).
/// docs/sandbox.md lists the test values.
/// </summary>
public static class CreditCardSkill
{
    public const string SkillId = "xyz_cc_sbx_#1.0";

    public static readonly SkillManifest Manifest = new()
    {
        SkillId = SkillId,
        Provider = "xyz",
        DisplayName = "XYZ Bank credit card (sandbox)",
        Description = "Apply for an XYZ Bank credit card: get an offer (credit limit, APR), give personal data, verify " +
            "identity with documents (decided offline), sign the card agreement. Sandbox: deterministic; see docs/sandbox.md.",
        Type = "marketplace",
        Flavor = "sandbox",
        Version = "1.0",
        DataProducts = ["applications"],
        Steps =
        [
            new StepManifest
            {
                Name = "card_form",
                Description = "The card asked for: requested limit (500 to 50000, in hundreds), net monthly income, currency and " +
                    "employment status. Completes with the offer (credit limit, APR); fails with INCOME_TOO_LOW below a monthly " +
                    "income of 1000 and EMPLOYMENT_NOT_ELIGIBLE for unemployed applicants.",
                DataSchema = StepManifest.Schema("""
                    {
                      "type": "object",
                      "properties": {
                        "requested_limit": { "type": "integer", "minimum": 500, "maximum": 50000, "multipleOf": 100 },
                        "monthly_income": { "type": "integer", "minimum": 0, "maximum": 1000000, "description": "Net monthly income." },
                        "currency": { "type": "string", "enum": ["EUR", "RON", "USD"] },
                        "employment_status": { "type": "string", "enum": ["employed", "self_employed", "retired", "student", "unemployed"] }
                      },
                      "required": ["requested_limit", "monthly_income", "currency", "employment_status"],
                      "additionalProperties": false,
                      "examples": [
                        { "requested_limit": 5000, "monthly_income": 3000, "currency": "EUR", "employment_status": "employed" },
                        { "requested_limit": 2000, "monthly_income": 900, "currency": "EUR", "employment_status": "employed" }
                      ]
                    }
                    """),
            },
            ApplicantSteps.PersonalData,
            ApplicantSteps.KycDocuments,
            new StepManifest
            {
                Name = "sign_agreement",
                Description = "Accept the card agreement and give the name to print on the card. Completes with the agreement.",
                DataSchema = StepManifest.Schema("""
                    {
                      "type": "object",
                      "properties": {
                        "accept_terms": { "type": "boolean", "enum": [true], "description": "Must be true." },
                        "name_on_card": { "type": "string", "pattern": "^[A-Z][A-Z .'-]{1,25}$", "description": "Capital letters, at most 26 characters." }
                      },
                      "required": ["accept_terms", "name_on_card"],
                      "additionalProperties": false,
                      "examples": [ { "accept_terms": true, "name_on_card": "ANA POPESCU" } ]
                    }
                    """),
            },
        ],
    };
}
