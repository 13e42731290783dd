namespace Finqware.SessionService.Accounts;

public sealed record BalanceView(string Type, string Amount, string Currency, DateOnly ReferenceDate);
