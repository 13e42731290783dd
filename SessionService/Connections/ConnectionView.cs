using System.Text.Json.Serialization;
using Finqware.SessionService.Accounts;

namespace Finqware.SessionService.Connections;

public sealed record ConnectionView(
    string ConnectionId,
    Guid SessionId,
    string Skill,
    string Status,
    DateTimeOffset ValidUntil,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? LastSyncedAt,
    RefreshErrorView? LastRefreshError,
    IReadOnlyList<AccountView> Accounts);
