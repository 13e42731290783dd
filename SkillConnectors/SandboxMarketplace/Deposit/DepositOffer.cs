namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary>
/// The sandbox deposit's terms: an annual rate by currency and period, plus <see cref="LargeDepositBonus"/> for
/// <see cref="LargeDeposit"/> or more; simple interest for the period, paid at maturity.
/// </summary>
public sealed record DepositOffer(decimal Amount, string Currency, int PeriodMonths, decimal Rate, decimal Interest, DateOnly StartDate, DateOnly MaturityDate)
{
    public const decimal LargeDeposit = 100_000m;

    public const decimal LargeDepositBonus = 0.25m;

    /// <summary>Annual rates in percent, by currency, for the periods 1, 3, 6, 12, 24 and 36 months.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<int, decimal>> Rates = new Dictionary<string, IReadOnlyDictionary<int, decimal>>
    {
        ["EUR"] = new Dictionary<int, decimal> { [1] = 1.50m, [3] = 2.00m, [6] = 2.50m, [12] = 3.00m, [24] = 3.25m, [36] = 3.50m },
        ["RON"] = new Dictionary<int, decimal> { [1] = 4.00m, [3] = 4.50m, [6] = 5.00m, [12] = 5.50m, [24] = 5.75m, [36] = 6.00m },
        ["USD"] = new Dictionary<int, decimal> { [1] = 2.00m, [3] = 2.50m, [6] = 3.00m, [12] = 3.50m, [24] = 3.75m, [36] = 4.00m },
    };

    public decimal MaturityAmount => Amount + Interest;

    /// <summary>The offer for a deposit starting on <paramref name="startDate"/>, or null when the currency or period is not offered.</summary>
    public static DepositOffer? Compute(decimal amount, string currency, int periodMonths, DateOnly startDate)
    {
        if (!Rates.TryGetValue(currency, out var byPeriod) || !byPeriod.TryGetValue(periodMonths, out var rate) || amount <= 0)
        {
            return null;
        }

        if (amount >= LargeDeposit)
        {
            rate += LargeDepositBonus;
        }

        var interest = Math.Round(amount * rate / 100m * periodMonths / 12m, 2, MidpointRounding.AwayFromZero);
        return new DepositOffer(amount, currency, periodMonths, rate, interest, startDate, startDate.AddMonths(periodMonths));
    }

    /// <summary>The offer as the step result and <c>ApplicationUpdated.offer</c> show it (amounts as strings).</summary>
    public object ToResult() => new
    {
        Product = "term_deposit",
        Amount = Applications.Money(Amount),
        Currency,
        PeriodMonths,
        Rate = Applications.Percent(Rate),
        Interest = Applications.Money(Interest),
        MaturityAmount = Applications.Money(MaturityAmount),
        StartDate = Applications.Date(StartDate),
        MaturityDate = Applications.Date(MaturityDate),
    };
}
