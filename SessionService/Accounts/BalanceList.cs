namespace Finqware.SessionService.Accounts;

public sealed record BalanceList(string AccountId, IReadOnlyList<BalanceView> Balances);
