using System.Security.Cryptography;
using Finqware.Contracts.Skills;
using Finqware.SkillConnectors.Sdk;

namespace Finqware.Testing;

/// <summary>
/// The seed's skills as a test connector serves them: a one-step AISP consent and the three-step deposit of the seed's
/// diagram. Valid for the catalog too (every step's schema has a working first example): the end-to-end tests announce them.
/// </summary>
public static class TestSkills
{
    public const string Aisp = "xyz_aisp_sbx_#1.0";
    public const string Deposit = "xyz_sbx_#3.0";

    public static readonly SkillManifest AispManifest = new()
    {
        SkillId = Aisp, Provider = "xyz", DisplayName = "XYZ accounts (sandbox)", Description = "Consent to read accounts.",
        Type = "aisp", Flavor = "sandbox", Version = "1.0",
        Steps =
        [
            new StepManifest
            {
                Name = "consent", Description = "Give consent.",
                DataSchema = StepManifest.Schema("""{"type":"object","properties":{"user":{"type":"string"}},"required":["user"],"examples":[{"user":"user_good"}]}"""),
            },
        ],
    };

    public static readonly SkillManifest DepositManifest = new()
    {
        SkillId = Deposit, Provider = "xyz", DisplayName = "XYZ deposit (sandbox)", Description = "Open a deposit.",
        Type = "marketplace", Flavor = "sandbox", Version = "3.0",
        Steps =
        [
            new StepManifest
            {
                Name = "product_form", Description = "Amount, currency and period, with an ID document.",
                DataSchema = StepManifest.Schema("""
                    {"type":"object","properties":{"value":{"type":"string","pattern":"^[0-9]+$"},"currency":{"type":"string","enum":["EUR","RON"]},"period":{"type":"string"}},
                     "required":["value","currency","period"],"additionalProperties":false,"examples":[{"value":"100000","currency":"EUR","period":"12"}]}
                    """),
                Uploads =
                [
                    new UploadRequirement { Kind = "id_document", ContentTypes = ["application/pdf", "image/png", "image/jpeg"], MaxBytes = 64 * 1024 },
                    new UploadRequirement { Kind = "proof_of_address", ContentTypes = ["application/pdf", "image/png"], MaxBytes = 64 * 1024, Required = false },
                ],
            },
            new StepManifest
            {
                Name = "kyc", Description = "Personal data and a selfie.",
                DataSchema = StepManifest.Schema("""{"type":"object","properties":{"name":{"type":"string","minLength":1}},"required":["name"],"examples":[{"name":"Ana Pop"}]}"""),
                Uploads = [new UploadRequirement { Kind = "selfie", ContentTypes = ["image/png", "image/jpeg"], MaxBytes = 64 * 1024 }],
            },
            new StepManifest
            {
                Name = "confirm", Description = "Accept the contract.",
                DataSchema = StepManifest.Schema("""{"type":"object","properties":{"accept":{"type":"boolean","const":true}},"required":["accept"],"examples":[{"accept":true}]}"""),
            },
        ],
    };
}

/// <summary>Completes every step, echoing the step and the SHA-256 of each attachment it read back from SessionService.</summary>
public sealed class EchoStepHandler : IStepHandler
{
    public async Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var hashes = new Dictionary<string, string>();
        foreach (var attachment in step.Attachments)
        {
            await using var content = await step.OpenAttachmentAsync(attachment, cancellationToken);
            hashes[attachment.Kind] = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, cancellationToken));
        }

        return StepOutcome.Completed(new { step = step.Step, number = step.StepNumber, attachments = hashes, previous = step.Command.PreviousResults.Keys.ToArray() });
    }
}
