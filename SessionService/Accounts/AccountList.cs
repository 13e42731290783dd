namespace Finqware.SessionService.Accounts;

public sealed record AccountList(IReadOnlyList<AccountView> Accounts);
