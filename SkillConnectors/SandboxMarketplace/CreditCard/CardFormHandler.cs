using System.Text.Json;
using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary><c>card_form</c>: the requested limit and income become an offer (limit, APR) or a rejection with a stable code.</summary>
public sealed class CardFormHandler(TimeProvider clock) : IStepHandler
{
    public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var product = MarketplaceProduct.CreditCard;
        var now = clock.GetUtcNow();
        var (offer, code, message) = CardOffer.Compute(Int(step, "requested_limit"), Int(step, "monthly_income"),
            step.DataString("currency") ?? "", step.DataString("employment_status") ?? "");
        if (offer is null)
        {
            return Task.FromResult(Applications.Refused(step, product, code!, message!, now));
        }

        return Task.FromResult(Applications.Offered(step, product, offer.ToResult(), now));
    }

    private static int Int(StepContext step, string name) =>
        step.Data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : 0;
}
