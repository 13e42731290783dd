using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary><c>sign_agreement</c>: the verified applicant accepts the card offer; the agreement and the (sandbox) card are made.</summary>
public sealed class SignAgreementHandler(TimeProvider clock) : IStepHandler
{
    public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var product = MarketplaceProduct.CreditCard;
        var now = clock.GetUtcNow();
        if (Applications.Offer(step, product) is not { } offer)
        {
            return Task.FromResult(StepOutcome.Failed("OFFER_MISSING", "The session has no card offer to sign."));
        }

        var contractId = Applications.ContractId(product, step.SessionId);
        var expires = DateOnly.FromDateTime(now.UtcDateTime).AddYears(4);
        var contract = new
        {
            ContractId = contractId,
            SignedAt = now,
            Product = "credit_card",
            Terms = offer,
            Card = new
            {
                MaskedPan = $"5412 75** **** {Applications.Digits(step.SessionId, 4)}",
                NameOnCard = step.DataString("name_on_card"),
                Expires = $"{expires.Year:0000}-{expires.Month:00}",
            },
            Document = $"https://sandbox.xyz-bank.example/agreements/{contractId}.pdf",
        };
        Applications.PublishUpdate(step, product, ApplicationStatus.ContractSigned, now, offer, contract);
        return Task.FromResult(StepOutcome.Completed(new
        {
            ApplicationId = Applications.ApplicationId(product, step.SessionId),
            Status = ApplicationStatus.ContractSigned,
            Contract = contract,
        }));
    }
}
