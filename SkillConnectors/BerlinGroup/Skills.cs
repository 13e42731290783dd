using System.Text.Json;
using Finqware.Contracts.Skills;

namespace Finqware.SkillConnectors.BerlinGroup;

/// <summary>The production-flavor skills of one configured bank: account information and payment initiation, each two steps.</summary>
public static class Skills
{
    public const string Consent = "consent";
    public const string Payment = "payment";
    public const string Confirm = "confirm";

    public static SkillManifest Aisp(string key, BankOptions bank) => new()
    {
        SkillId = Banks.AispSkill(key),
        Provider = key,
        DisplayName = $"{Name(key, bank)}: account information",
        Description = $"Account information at {Name(key, bank)} through its Berlin Group NextGenPSD2 interface: a consent of "
            + $"{bank.ConsentValidityDays} days ({bank.FrequencyPerDay} unattended reads a day) to the accounts, balances and "
            + $"{bank.TransactionDays} days of transactions. SCA: {string.Join(", ", bank.Approaches)}, as the bank decides. docs/berlin-group.md.",
        Type = "aisp",
        Flavor = "production",
        Version = "1.0",
        DataProducts = ["accounts", "balances", "transactions"],
        Steps =
        [
            new StepManifest
            {
                Name = Consent,
                Description = "Asks the bank for the consent, then its SCA: REDIRECT is ACTION_REQUIRED with the bank's page (the bank sends the user "
                    + "back through Finqware to redirect_uri); DECOUPLED is ACTION_REQUIRED until the user approves in the bank's app; EMBEDDED "
                    + "sends password (and sca_method_id) and completes with the challenge the bank sent, answered in confirm.",
                Async = true,
                DataSchema = StepManifest.Schema(Schema(bank, payment: false)),
            },
            ConfirmStep("Ends the consent's SCA (EMBEDDED: the otp) and reads the accounts, balances and transactions: the connection."),
        ],
    };

    public static SkillManifest Pisp(string key, BankOptions bank) => new()
    {
        SkillId = Banks.PispSkill(key),
        Provider = key,
        DisplayName = $"{Name(key, bank)}: payment initiation",
        Description = $"A SEPA credit transfer ({bank.PaymentProduct}) from the user's account at {Name(key, bank)} through its Berlin Group "
            + "NextGenPSD2 interface, authorised with the bank's SCA, its transactionStatus followed to a final one. docs/berlin-group.md.",
        Type = "pisp",
        Flavor = "production",
        Version = "1.0",
        DataProducts = ["payments"],
        Steps =
        [
            new StepManifest
            {
                Name = Payment,
                Description = "Initiates the payment at the bank (PaymentInitiated), then its SCA as for a consent (REDIRECT, DECOUPLED, EMBEDDED).",
                Async = true,
                DataSchema = StepManifest.Schema(Schema(bank, payment: true)),
            },
            ConfirmStep("Ends the payment's SCA (EMBEDDED: the otp) and reads its transactionStatus, then follows it to a final one (PaymentStatusChanged)."),
        ],
    };

    private static StepManifest ConfirmStep(string description) => new()
    {
        Name = Confirm,
        Description = description,
        Async = true,
        DataSchema = StepManifest.Schema("""
            {
              "type": "object",
              "properties": {
                "otp": { "type": "string", "minLength": 1, "maxLength": 64, "description": "EMBEDDED: the code the bank sent the user." },
                "psu_ip_address": { "type": "string", "format": "ipv4", "description": "The user's IP address (PSU-IP-Address)." }
              },
              "additionalProperties": false,
              "examples": [ {}, { "otp": "123456" } ]
            }
            """),
    };

    private static string Name(string key, BankOptions bank) => bank.DisplayName ?? key;

    private static string Schema(BankOptions bank, bool payment)
    {
        var properties = new Dictionary<string, object>
        {
            ["psu_id"] = new { type = "string", minLength = 1, maxLength = 64, description = "The user's login at the bank (PSU-ID)." },
            ["psu_ip_address"] = new { type = "string", format = "ipv4", description = "The user's IP address (PSU-IP-Address)." },
            ["sca_approach"] = new { type = "string", @enum = bank.Approaches, description = "The approach to ask the bank for; the bank decides." },
            ["redirect_uri"] = new { type = "string", format = "uri", pattern = "^https?://", maxLength = 2000, description = "Where the user goes after the bank's page: one of the tenant's registered redirect_uris." },
            ["state"] = new { type = "string", minLength = 1, maxLength = 512, description = "Handed back unchanged as ?state= when the user returns to redirect_uri: tie the return to the app's own request." },
            ["password"] = new { type = "string", minLength = 1, maxLength = 256, description = "EMBEDDED: the user's password at the bank." },
            ["sca_method_id"] = new { type = "string", minLength = 1, maxLength = 35, description = "EMBEDDED: the SCA method (default: the bank's first)." },
        };
        var required = new List<string>();
        var example = new Dictionary<string, object> { ["psu_id"] = "PSU-1234", ["psu_ip_address"] = "192.0.2.10", ["redirect_uri"] = "https://app.example.com/bank-return" };
        if (payment)
        {
            properties["creditor_name"] = new { type = "string", minLength = 1, maxLength = 70 };
            properties["creditor_iban"] = new { type = "string", pattern = "^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$" };
            properties["debtor_iban"] = new { type = "string", pattern = "^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$", description = "The user's account the payment is made from." };
            properties["amount"] = new { type = "string", pattern = "^(0|[1-9][0-9]{0,8})(\\.[0-9]{1,2})?$" };
            properties["currency"] = new { type = "string", @enum = new[] { "EUR" } };
            properties["remittance_information"] = new { type = "string", maxLength = 140 };
            required.AddRange(["creditor_name", "creditor_iban", "debtor_iban", "amount", "currency"]);
            example = new Dictionary<string, object>
            {
                ["creditor_name"] = "Merchant123", ["creditor_iban"] = "DE02100100109307118603", ["debtor_iban"] = "DE40100100103307118608",
                ["amount"] = "123.50", ["currency"] = "EUR", ["remittance_information"] = "Ref Number Merchant",
                ["psu_id"] = "PSU-1234", ["psu_ip_address"] = "192.0.2.10", ["redirect_uri"] = "https://app.example.com/bank-return",
            };
        }

        if (bank.PsuIdRequired)
        {
            required.Add("psu_id");
        }

        var examples = new List<object> { example };
        foreach (var approach in bank.Approaches)
        {
            var other = new Dictionary<string, object>(example) { ["sca_approach"] = approach };
            if (approach == "EMBEDDED")
            {
                other["password"] = "start12";
            }

            examples.Add(other);
        }

        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = required,
            ["additionalProperties"] = false,
            ["examples"] = examples,
        });
    }
}
