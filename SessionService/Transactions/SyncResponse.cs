namespace Finqware.SessionService.Transactions;

public sealed record SyncResponse(
    IReadOnlyList<TransactionView> Added,
    IReadOnlyList<TransactionView> Modified,
    IReadOnlyList<RemovedTransaction> Removed,
    string NextCursor,
    bool HasMore);
