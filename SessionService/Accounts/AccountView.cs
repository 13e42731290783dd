namespace Finqware.SessionService.Accounts;

public sealed record AccountView(string AccountId, string ConnectionId, string Iban, string Name, string Kind, string Currency);
