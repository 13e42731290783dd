using System.ComponentModel.DataAnnotations;
using Finqware.SessionService.Accounts;

namespace Finqware.SessionService.Transactions;

public sealed record SyncRequest(
    [property: Required, MaxLength(128)] string? ConnectionId,
    [property: MaxLength(512)] string? Cursor,
    [property: Range(1, AccountsApi.MaxLimit)] int? Count);
