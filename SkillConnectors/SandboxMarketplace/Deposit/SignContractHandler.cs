using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary><c>sign_contract</c> of the deposit: the verified applicant accepts the offer; the contract is made.</summary>
public sealed class SignContractHandler(TimeProvider clock) : IStepHandler
{
    public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return Task.FromResult(Applications.Signed(step, MarketplaceProduct.Deposit, "deposit", now, (offer, contractId) => new
        {
            ContractId = contractId,
            SignedAt = now,
            Product = "term_deposit",
            Terms = offer,
            PayoutIban = step.DataString("payout_iban"),
            Document = $"https://sandbox.xyz-bank.example/contracts/{contractId}.pdf",
        }));
    }
}
