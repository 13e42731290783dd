using System.Text.Json.Serialization;
using Finqware.SessionService.Transactions;

namespace Finqware.SessionService.Accounts;

public sealed record TransactionPage(
    IReadOnlyList<TransactionView> Transactions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextCursor,
    bool HasMore);
