namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary>
/// The sandbox card's underwriting: no card below <see cref="MinimumIncome"/> a month or for the unemployed; the limit is
/// the requested one, capped at <see cref="IncomeMultiple"/> times the monthly income (rounded down to hundreds); the
/// APR falls as income rises.
/// </summary>
public sealed record CardOffer(decimal CreditLimit, string Currency, decimal Apr)
{
    public const int MinimumIncome = 1000;

    public const int IncomeMultiple = 3;

    public const int GracePeriodDays = 45;

    /// <summary>APR in percent by the lowest monthly income of each band, highest band first.</summary>
    public static readonly IReadOnlyList<(int MinimumIncome, decimal Apr)> AprBands = [(5000, 14.90m), (2500, 18.90m), (MinimumIncome, 22.90m)];

    /// <summary>The offer, or the stable code and message of the refusal.</summary>
    public static (CardOffer? Offer, string? Code, string? Message) Compute(int requestedLimit, int monthlyIncome, string currency, string employmentStatus)
    {
        if (employmentStatus == "unemployed")
        {
            return (null, "EMPLOYMENT_NOT_ELIGIBLE", "Credit cards are offered to applicants with an income from employment, business or pension.");
        }

        if (monthlyIncome < MinimumIncome)
        {
            return (null, "INCOME_TOO_LOW", $"A credit card needs a net monthly income of at least {MinimumIncome}.");
        }

        var limit = Math.Min(requestedLimit, monthlyIncome * IncomeMultiple / 100 * 100);
        var apr = AprBands.First(b => monthlyIncome >= b.MinimumIncome).Apr;
        return (new CardOffer(limit, currency, apr), null, null);
    }

    public object ToResult() => new
    {
        Product = "credit_card",
        CreditLimit = Applications.Money(CreditLimit),
        Currency,
        Apr = Applications.Percent(Apr),
        GracePeriodDays,
    };
}
