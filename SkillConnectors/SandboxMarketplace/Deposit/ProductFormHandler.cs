using System.Globalization;
using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary><c>product_form</c> of the deposit: the seed's <c>value</c>, <c>currency</c>, <c>period</c> become an offer.</summary>
public sealed class ProductFormHandler(TimeProvider clock) : IStepHandler
{
    public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var product = MarketplaceProduct.Deposit;
        var now = clock.GetUtcNow();
        var offer = decimal.TryParse(step.DataString("value"), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            && int.TryParse(step.DataString("period"), NumberStyles.None, CultureInfo.InvariantCulture, out var months)
                ? DepositOffer.Compute(amount, step.DataString("currency") ?? "", months, DateOnly.FromDateTime(now.UtcDateTime))
                : null;
        if (offer is null)
        {
            return Task.FromResult(StepOutcome.Failed("PRODUCT_NOT_OFFERED", "No deposit is offered for this value, currency and period."));
        }

        return Task.FromResult(Applications.Offered(step, product, offer.ToResult(), now));
    }
}
