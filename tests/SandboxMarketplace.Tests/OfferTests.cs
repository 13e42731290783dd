using Finqware.SkillConnectors.SandboxMarketplace;

namespace Finqware.SandboxMarketplace.Tests;

/// <summary>The documented offer rules: deposit rates, bonus and interest; card limits, APR bands and refusals.</summary>
public sealed class OfferTests
{
    private static readonly DateOnly Today = new(2026, 1, 31);

    [Fact]
    public void The_seeds_deposit_of_100000_EUR_for_12_months_earns_3_25_percent_with_the_large_deposit_bonus()
    {
        var offer = DepositOffer.Compute(100000m, "EUR", 12, Today)!;

        Assert.Equal(3.25m, offer.Rate);
        Assert.Equal(3250.00m, offer.Interest);
        Assert.Equal(103250.00m, offer.MaturityAmount);
        Assert.Equal(new DateOnly(2027, 1, 31), offer.MaturityDate);
    }

    [Theory]
    [InlineData("EUR", 1, 1.50)]
    [InlineData("EUR", 3, 2.00)]
    [InlineData("EUR", 6, 2.50)]
    [InlineData("EUR", 12, 3.00)]
    [InlineData("EUR", 24, 3.25)]
    [InlineData("EUR", 36, 3.50)]
    [InlineData("RON", 1, 4.00)]
    [InlineData("RON", 6, 5.00)]
    [InlineData("RON", 36, 6.00)]
    [InlineData("USD", 3, 2.50)]
    [InlineData("USD", 12, 3.50)]
    [InlineData("USD", 24, 3.75)]
    public void Below_100000_the_rate_is_the_tables(string currency, int months, double rate) =>
        Assert.Equal((decimal)rate, DepositOffer.Compute(99999.99m, currency, months, Today)!.Rate);

    [Fact]
    public void Interest_is_simple_for_the_period_rounded_to_cents_and_maturity_is_period_months_later()
    {
        var offer = DepositOffer.Compute(5000m, "RON", 6, Today)!;

        Assert.Equal(125.00m, offer.Interest);
        Assert.Equal(new DateOnly(2026, 7, 31), offer.MaturityDate);
        Assert.Equal(1.25m, DepositOffer.Compute(1000m, "EUR", 1, Today)!.Interest);
        Assert.Equal(new DateOnly(2026, 2, 28), DepositOffer.Compute(1000m, "EUR", 1, Today)!.MaturityDate);
    }

    [Fact]
    public void Currencies_and_periods_outside_the_table_get_no_offer()
    {
        Assert.Null(DepositOffer.Compute(5000m, "GBP", 12, Today));
        Assert.Null(DepositOffer.Compute(5000m, "EUR", 7, Today));
    }

    [Fact]
    public void The_deposit_offer_shows_amounts_and_rates_as_strings_with_two_decimals()
    {
        var json = SkillConnectors.Sdk.StepOutcome.ToJson(DepositOffer.Compute(100000m, "EUR", 12, Today)!.ToResult())!.Value;

        Assert.Equal("100000.00", json.GetProperty("amount").GetString());
        Assert.Equal("3.25", json.GetProperty("rate").GetString());
        Assert.Equal("3250.00", json.GetProperty("interest").GetString());
        Assert.Equal("103250.00", json.GetProperty("maturity_amount").GetString());
        Assert.Equal("2026-01-31", json.GetProperty("start_date").GetString());
        Assert.Equal("2027-01-31", json.GetProperty("maturity_date").GetString());
        Assert.Equal(12, json.GetProperty("period_months").GetInt32());
    }

    [Theory]
    [InlineData(5000, 3000, 5000, 18.90)]
    [InlineData(20000, 3000, 9000, 18.90)]
    [InlineData(20000, 1234, 3700, 22.90)]
    [InlineData(1000, 1000, 1000, 22.90)]
    [InlineData(5000, 2499, 5000, 22.90)]
    [InlineData(5000, 2500, 5000, 18.90)]
    [InlineData(5000, 4999, 5000, 18.90)]
    [InlineData(50000, 5000, 15000, 14.90)]
    [InlineData(50000, 100000, 50000, 14.90)]
    public void The_card_limit_is_capped_at_three_monthly_incomes_in_hundreds_and_the_apr_falls_with_income(int requested, int income, int limit, double apr)
    {
        var (offer, code, _) = CardOffer.Compute(requested, income, "EUR", "employed");

        Assert.Null(code);
        Assert.Equal((limit, (decimal)apr), ((int)offer!.CreditLimit, offer.Apr));
    }

    [Theory]
    [InlineData(999, "employed", "INCOME_TOO_LOW")]
    [InlineData(0, "student", "INCOME_TOO_LOW")]
    [InlineData(900, "retired", "INCOME_TOO_LOW")]
    [InlineData(8000, "unemployed", "EMPLOYMENT_NOT_ELIGIBLE")]
    public void Cards_are_refused_below_1000_a_month_and_to_the_unemployed(int income, string employment, string expected)
    {
        var (offer, code, message) = CardOffer.Compute(2000, income, "EUR", employment);

        Assert.Null(offer);
        Assert.Equal(expected, code);
        Assert.False(string.IsNullOrWhiteSpace(message));
    }
}
