using Finqware.SkillConnectors.SandboxBank;

namespace Finqware.SandboxBank.Tests;

/// <summary>The sandbox bank's generated data: deterministic from the username, realistic enough to build on.</summary>
public sealed class SandboxDataTests
{
    private static readonly DateOnly Today = new(2026, 11, 25);

    [Fact]
    public void The_same_user_gets_the_same_accounts_balances_and_transactions_every_time()
    {
        var first = JsonSerializer.Serialize(SandboxData.For("user_good", Today, pendingBooked: false));
        var second = JsonSerializer.Serialize(SandboxData.For("user_good", Today, pendingBooked: false));

        Assert.Equal(first, second);
        Assert.NotEqual(first, JsonSerializer.Serialize(SandboxData.For("user_decoupled", Today, pendingBooked: false)));
    }

    [Fact]
    public void A_user_has_a_current_a_savings_and_a_card_account_with_valid_distinct_ibans_in_eur()
    {
        var accounts = SandboxData.For("user_good", Today, pendingBooked: false);
        var others = SandboxData.For("someone_else", Today, pendingBooked: false);

        Assert.Equal(["current", "savings", "card"], accounts.Select(a => a.Kind));
        Assert.All(accounts, a => Assert.True(Iban.IsValid(a.Iban), a.Iban));
        Assert.All(accounts, a => Assert.StartsWith("DE", a.Iban, StringComparison.Ordinal));
        Assert.All(accounts, a => Assert.Equal("EUR", a.Currency));
        Assert.Equal(3, accounts.Select(a => a.Iban).Distinct().Count());
        Assert.Empty(accounts.Select(a => a.Iban).Intersect(others.Select(a => a.Iban)));
    }

    [Fact]
    public void Transactions_cover_at_least_90_days_up_to_today_with_unique_references()
    {
        foreach (var account in SandboxData.For("user_good", Today, pendingBooked: false))
        {
            Assert.True(account.Transactions.Min(t => t.ValueDate) <= Today.AddDays(-90), $"{account.Kind} starts {account.Transactions.Min(t => t.ValueDate)}");
            Assert.True(account.Transactions.Max(t => t.BookingDate) <= Today);
            Assert.Equal(account.Transactions.Count, account.Transactions.Select(t => t.EntryReference).Distinct().Count());
            Assert.All(account.Transactions, t => Assert.Equal(decimal.Round(t.Amount, 2), t.Amount));
        }

        var current = SandboxData.For("user_good", Today, pendingBooked: false)[0];
        Assert.Contains(current.Transactions, t => t.Amount > 0 && t.Remittance.StartsWith("Salary", StringComparison.Ordinal));
        Assert.Contains(current.Transactions, t => t.Amount < 0 && t.Remittance.StartsWith("Rent", StringComparison.Ordinal));
    }

    [Fact]
    public void Balances_are_closing_booked_and_interim_available_with_the_pending_amounts_between_them()
    {
        foreach (var account in SandboxData.For("user_good", Today, pendingBooked: false))
        {
            var booked = account.Balances.Single(b => b.Type == "closingBooked");
            var available = account.Balances.Single(b => b.Type == "interimAvailable");
            Assert.Equal(Today, booked.ReferenceDate);
            Assert.Equal(booked.Amount + account.Transactions.Where(t => t.Status == "pending").Sum(t => t.Amount), available.Amount);
        }
    }

    [Fact]
    public void Pending_transactions_of_today_and_yesterday_book_under_the_same_reference_some_with_another_amount_or_date()
    {
        var before = SandboxData.For("user_good", Today, pendingBooked: false).SelectMany(a => a.Transactions).ToList();
        var after = SandboxData.For("user_good", Today, pendingBooked: true).SelectMany(a => a.Transactions).ToDictionary(t => t.EntryReference);

        var pending = before.Where(t => t.Status == "pending").ToList();
        Assert.NotEmpty(pending);
        Assert.All(pending, t => Assert.True(t.ValueDate >= Today.AddDays(-1)));
        Assert.All(before.Where(t => t.ValueDate < Today.AddDays(-1)), t => Assert.Equal("booked", t.Status));
        Assert.Equal(before.Select(t => t.EntryReference).Order(), after.Keys.Order());
        Assert.All(after.Values, t => Assert.Equal("booked", t.Status));
        Assert.Contains(pending, t => after[t.EntryReference].Amount != t.Amount);
        Assert.Contains(pending, t => after[t.EntryReference].BookingDate != t.BookingDate);
        Assert.Contains(pending, t => after[t.EntryReference].Amount == t.Amount && after[t.EntryReference].BookingDate == t.BookingDate);
    }

    [Fact]
    public void A_days_transactions_stay_the_same_when_asked_on_a_later_day()
    {
        var today = SandboxData.For("user_good", Today, pendingBooked: false).SelectMany(a => a.Transactions).Where(t => t.Status == "booked");
        var tomorrow = SandboxData.For("user_good", Today.AddDays(1), pendingBooked: false).SelectMany(a => a.Transactions).ToDictionary(t => t.EntryReference);

        Assert.All(today.Where(t => t.ValueDate > Today.AddDays(-100)), t => Assert.Equal(t, tomorrow[t.EntryReference]));
    }
}
