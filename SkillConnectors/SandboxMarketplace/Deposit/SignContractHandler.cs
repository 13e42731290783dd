using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary><c>sign_contract</c> of the deposit: the verified applicant accepts the offer; the contract is made.</summary>
public sealed class SignContractHandler(TimeProvider clock) : IStepHandler
{
    public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var product = MarketplaceProduct.Deposit;
        var now = clock.GetUtcNow();
        if (Applications.Offer(step, product) is not { } offer)
        {
            return Task.FromResult(StepOutcome.Failed("OFFER_MISSING", "The session has no deposit offer to sign."));
        }

        var contractId = Applications.ContractId(product, step.SessionId);
        var contract = new
        {
            ContractId = contractId,
            SignedAt = now,
            Product = "term_deposit",
            Terms = offer,
            PayoutIban = step.DataString("payout_iban"),
            Document = $"https://sandbox.xyz-bank.example/contracts/{contractId}.pdf",
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
