namespace Finqware.SessionService.Transactions;

public sealed record RemovedTransaction(string TransactionId, string AccountId);
