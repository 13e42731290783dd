namespace Finqware.SessionService.Accounts;

public sealed record StoredBalance(string Type, decimal Amount, string Currency, DateOnly ReferenceDate);
