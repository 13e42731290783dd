using Finqware.Contracts.Skills;

namespace Finqware.SkillConnectors.SandboxBank;

/// <summary>The sandbox bank's skills (provider xyz): account information and payment initiation, Berlin Group style.</summary>
public static class Skills
{
    public const string Aisp = "xyz_aisp_sbx_#1.0";
    public const string Pisp = "xyz_pisp_sbx_#1.0";

    private static readonly StepManifest Credentials = new()
    {
        Name = "credentials",
        Description = "The user's online banking login. user_good, user_decoupled and user_redirect with pass_good succeed "
            + "(embedded, decoupled and redirect SCA); another password fails INVALID_CREDENTIALS; user_locked fails ACCOUNT_LOCKED. "
            + "The result says which SCA approach the bank chose (sca_method).",
        DataSchema = StepManifest.Schema("""
            {
              "type": "object",
              "properties": {
                "username": { "type": "string", "minLength": 1, "maxLength": 64 },
                "password": { "type": "string", "minLength": 1, "maxLength": 64 }
              },
              "required": ["username", "password"],
              "additionalProperties": false,
              "examples": [
                { "username": "user_good", "password": "pass_good" },
                { "username": "user_decoupled", "password": "pass_good" },
                { "username": "user_redirect", "password": "pass_good" },
                { "username": "user_locked", "password": "pass_good" },
                { "username": "user_good", "password": "wrong" }
              ]
            }
            """),
    };

    private static StepManifest Sca(string what) => new()
    {
        Name = "sca",
        Description = $"Strong customer authentication of the {what}. EMBEDDED: send the OTP (sandbox: 123456). DECOUPLED: send {{}}; "
            + "the step is ACTION_REQUIRED (approve in the bank app) and completes by itself a few seconds later. REDIRECT: send {}; "
            + "the step is ACTION_REQUIRED with a URL to the bank's authorisation page, where the user approves or denies.",
        Async = true,
        DataSchema = StepManifest.Schema("""
            {
              "type": "object",
              "properties": { "otp": { "type": "string", "pattern": "^[0-9]{6}$" } },
              "additionalProperties": false,
              "examples": [ { "otp": "123456" }, {}, { "otp": "000000" } ]
            }
            """),
    };

    public static readonly SkillManifest AispManifest = new()
    {
        SkillId = Aisp,
        Provider = "xyz",
        DisplayName = "XYZ Sandbox Bank: account information",
        Description = "A Berlin Group NextGenPSD2 style sandbox bank. The consent (valid 90 days) gives a current, a savings and a card "
            + "account with balances and 120 days of transactions, the same for the same sandbox user every time; pending transactions "
            + "book a little later. Test users are in docs/sandbox.md.",
        Type = "aisp",
        Flavor = "sandbox",
        Version = "1.0",
        DataProducts = ["accounts", "balances", "transactions"],
        Steps = [Credentials, Sca("account access consent")],
    };

    public static readonly SkillManifest PispManifest = new()
    {
        SkillId = Pisp,
        Provider = "xyz",
        DisplayName = "XYZ Sandbox Bank: payment initiation",
        Description = "A Berlin Group NextGenPSD2 style sandbox SEPA credit transfer: the payment is received (RCVD), authorised "
            + "with SCA (ACTC), then settles (ACSP, ACSC) within seconds. Amount 666.66 is rejected for insufficient funds (RJCT); "
            + "amount 999.99 is cancelled (CANC). Test users are in docs/sandbox.md.",
        Type = "pisp",
        Flavor = "sandbox",
        Version = "1.0",
        DataProducts = ["payments"],
        Steps =
        [
            new StepManifest
            {
                Name = "payment_form",
                Description = "The SEPA credit transfer: creditor, IBAN (checked with mod-97: INVALID_CREDITOR_IBAN), amount as a "
                    + "string with up to two decimals, EUR. The result has the payment_id and transaction_status RCVD.",
                DataSchema = StepManifest.Schema("""
                    {
                      "type": "object",
                      "properties": {
                        "creditor_name": { "type": "string", "minLength": 1, "maxLength": 70 },
                        "creditor_iban": { "type": "string", "pattern": "^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]{11,40}$" },
                        "amount": { "type": "string", "pattern": "^(0|[1-9][0-9]{0,8})(\\.[0-9]{1,2})?$" },
                        "currency": { "type": "string", "enum": ["EUR"] },
                        "remittance_information": { "type": "string", "maxLength": 140 }
                      },
                      "required": ["creditor_name", "creditor_iban", "amount", "currency"],
                      "additionalProperties": false,
                      "examples": [
                        { "creditor_name": "Jane Doe", "creditor_iban": "DE89370400440532013000", "amount": "25.00", "currency": "EUR", "remittance_information": "Invoice 42" },
                        { "creditor_name": "Jane Doe", "creditor_iban": "DE89370400440532013000", "amount": "666.66", "currency": "EUR" },
                        { "creditor_name": "Jane Doe", "creditor_iban": "DE89370400440532013000", "amount": "999.99", "currency": "EUR" }
                      ]
                    }
                    """),
            },
            Credentials,
            Sca("payment"),
        ],
    };
}
