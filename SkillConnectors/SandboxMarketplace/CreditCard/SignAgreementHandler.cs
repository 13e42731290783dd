using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary><c>sign_agreement</c>: the verified applicant accepts the card offer; the agreement and the (sandbox) card are made.</summary>
public sealed class SignAgreementHandler(TimeProvider clock) : IStepHandler
{
    public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var expires = DateOnly.FromDateTime(now.UtcDateTime).AddYears(4);
        return Task.FromResult(Applications.Signed(step, MarketplaceProduct.CreditCard, "card", now, (offer, contractId) => new
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
        }));
    }
}
