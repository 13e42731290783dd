using Finqware.Contracts.Skills;

namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary>
/// <c>xyz_sbx_#3.0</c>: the seed's bank deposit. product_form (an offer), personal_data, kyc_documents (three
/// uploads, decided offline), sign_contract (the contract). docs/sandbox.md lists the test values.
/// </summary>
public static class DepositSkill
{
    public const string SkillId = "xyz_sbx_#3.0";

    public static readonly SkillManifest Manifest = new()
    {
        SkillId = SkillId,
        Provider = "xyz",
        DisplayName = "XYZ Bank term deposit (sandbox)",
        Description = "Open a term deposit at XYZ Bank: get an offer (rate, interest, maturity), give personal data, " +
            "verify identity with documents (decided offline), sign the contract. Sandbox: deterministic; see docs/sandbox.md.",
        Type = "marketplace",
        Flavor = "sandbox",
        Version = "3.0",
        DataProducts = ["applications"],
        Steps =
        [
            new StepManifest
            {
                Name = "product_form",
                Description = "The deposit asked for: value (1000 to 1000000, up to two decimals), currency and period in months. " +
                    "Completes with the offer: annual rate, interest and maturity.",
                DataSchema = StepManifest.Schema("""
                    {
                      "type": "object",
                      "properties": {
                        "value": { "type": "string", "pattern": "^(?:[1-9][0-9]{3,5}(?:\\.[0-9]{1,2})?|1000000(?:\\.0{1,2})?)$", "description": "Amount to deposit, 1000 to 1000000 (a string, up to two decimals)." },
                        "currency": { "type": "string", "enum": ["EUR", "RON", "USD"] },
                        "period": { "type": "string", "enum": ["1", "3", "6", "12", "24", "36"], "description": "Term in months." }
                      },
                      "required": ["value", "currency", "period"],
                      "additionalProperties": false,
                      "examples": [
                        { "value": "100000", "currency": "EUR", "period": "12" },
                        { "value": "5000", "currency": "RON", "period": "6" }
                      ]
                    }
                    """),
            },
            ApplicantSteps.PersonalData,
            ApplicantSteps.KycDocuments,
            new StepManifest
            {
                Name = "sign_contract",
                Description = "Accept the terms and name the account the deposit is paid out to at maturity. Completes with the contract.",
                DataSchema = StepManifest.Schema("""
                    {
                      "type": "object",
                      "properties": {
                        "accept_terms": { "type": "boolean", "enum": [true], "description": "Must be true." },
                        "payout_iban": { "type": "string", "pattern": "^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$" }
                      },
                      "required": ["accept_terms", "payout_iban"],
                      "additionalProperties": false,
                      "examples": [ { "accept_terms": true, "payout_iban": "RO49AAAA1B31007593840000" } ]
                    }
                    """),
            },
        ],
    };
}
