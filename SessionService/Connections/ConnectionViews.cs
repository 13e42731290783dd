using Finqware.SessionService.Accounts;

namespace Finqware.SessionService.Connections;

public static class ConnectionViews
{
    public static ConnectionView ToView(this Connection connection, IEnumerable<Account> accounts, DateTimeOffset now) => new(
        connection.ConnectionId, connection.SessionId, connection.Skill, connection.EffectiveStatus(now), connection.ValidUntil,
        connection.CreatedAt, connection.LastSyncedAt,
        connection.LastRefreshErrorCode is { } code ? new RefreshErrorView(code, connection.LastRefreshErrorMessage ?? "", connection.LastRefreshErrorAt ?? connection.UpdatedAt) : null,
        [.. accounts.OrderBy(a => a.AccountId, StringComparer.Ordinal).Select(a => a.ToView(connection.ConnectionId))]);
}
