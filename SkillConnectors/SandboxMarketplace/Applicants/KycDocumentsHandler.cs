using System.Security.Cryptography;
using System.Text.Json;
using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.Sdk;
using Microsoft.Extensions.Options;

namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary>
/// <c>kyc_documents</c> of every product: checks that the three documents arrived intact, answers
/// <c>PENDING_VERIFICATION</c>, and decides after <see cref="MarketplaceOptions.VerificationDelay"/> (a follow-up, kept
/// in the connector's database, so a restart loses no decision): approved, or rejected for the documented sandbox
/// reasons (<see cref="KycDecision"/>). The decision is published as <see cref="VerificationCompleted"/> and
/// <see cref="ApplicationUpdated"/> with the step's final outcome.
/// </summary>
public sealed class KycDocumentsHandler(TimeProvider clock, IOptions<MarketplaceOptions> options) : IStepHandler, IStepFollowUp
{
    public async Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var product = MarketplaceProduct.Of(step.Skill);
        var missing = ApplicantSteps.DocumentKinds.Where(kind => step.Attachments.All(a => a.Kind != kind)).ToList();
        if (missing.Count > 0)
        {
            return StepOutcome.Failed("DOCUMENTS_MISSING", $"Identity verification needs {string.Join(", ", missing)}.");
        }

        foreach (var attachment in step.Attachments)
        {
            await VerifyIntactAsync(step, attachment, cancellationToken);
        }

        var offer = Applications.Offer(step, product);
        Applications.PublishUpdate(step, product, ApplicationStatus.VerificationPending, clock.GetUtcNow(), offer);
        return StepOutcome.PendingVerification(new
        {
            ApplicationId = Applications.ApplicationId(product, step.SessionId),
            Status = ApplicationStatus.VerificationPending,
            Verification = new { Status = "PENDING" },
        }).ThenFollowUp(options.Value.VerificationDelay);
    }

    public Task<StepOutcome?> FollowUpAsync(StepContext step, JsonElement? state, CancellationToken cancellationToken)
    {
        var product = MarketplaceProduct.Of(step.Skill);
        var now = clock.GetUtcNow();
        var decision = KycDecision.Decide(LastName(step), step.Attachments);
        var offer = Applications.Offer(step, product);
        step.Publish(new VerificationCompleted
        {
            SessionId = step.SessionId,
            StepId = step.StepId,
            ClientId = step.ClientId,
            Approved = decision.Approved,
            Reason = decision.Reason,
            At = now,
        });
        var status = decision.Approved ? ApplicationStatus.Approved : ApplicationStatus.Rejected;
        Applications.PublishUpdate(step, product, status, now, offer, reason: decision.Reason);
        var result = new
        {
            ApplicationId = Applications.ApplicationId(product, step.SessionId),
            Status = status,
            Verification = new { Status = decision.Approved ? "APPROVED" : "REJECTED", decision.Reason, DecidedAt = now },
        };
        return Task.FromResult<StepOutcome?>(decision.Approved
            ? StepOutcome.Completed(result)
            : StepOutcome.Failed("VERIFICATION_REJECTED", decision.Message) with { Result = StepOutcome.ToJson(result) });
    }

    private static string? LastName(StepContext step) =>
        step.PreviousResult("personal_data") is { ValueKind: JsonValueKind.Object } result
        && result.TryGetProperty("applicant", out var applicant)
        && applicant.TryGetProperty("last_name", out var lastName)
            ? lastName.GetString()
            : null;

    /// <summary>A document whose bytes do not match what SessionService recorded is not judged: the step is retried.</summary>
    private static async Task VerifyIntactAsync(StepContext step, AttachmentDescriptor attachment, CancellationToken cancellationToken)
    {
        await using var content = await step.OpenAttachmentAsync(attachment, cancellationToken);
        var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, cancellationToken));
        if (!string.Equals(sha256, attachment.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Attachment {attachment.AttachmentId} ({attachment.Kind}) does not match its recorded SHA-256.");
        }
    }
}

/// <summary>The sandbox's identity verification: deterministic, with documented reasons to reject.</summary>
public sealed record KycDecision(bool Approved, string? Reason, string Message)
{
    /// <summary>The applicant's last name is the documented test name "Rejected".</summary>
    public const string IdentityNotVerified = "IDENTITY_NOT_VERIFIED";

    /// <summary>The selfie is the very file uploaded as a side of the identity document.</summary>
    public const string SelfieMatchesDocument = "SELFIE_MATCHES_DOCUMENT";

    public static KycDecision Decide(string? lastName, IReadOnlyList<AttachmentDescriptor> documents)
    {
        if (string.Equals(lastName?.Trim(), ApplicantSteps.RejectedLastName, StringComparison.OrdinalIgnoreCase))
        {
            return new(false, IdentityNotVerified, "Identity verification rejected: the applicant's identity could not be verified.");
        }

        var selfie = documents.FirstOrDefault(d => d.Kind == "selfie");
        if (selfie is not null && documents.Any(d => d.Kind != "selfie" && string.Equals(d.Sha256, selfie.Sha256, StringComparison.OrdinalIgnoreCase)))
        {
            return new(false, SelfieMatchesDocument, "Identity verification rejected: the selfie is a copy of the identity document, not a photo of the applicant.");
        }

        return new(true, null, "Identity verified.");
    }
}
