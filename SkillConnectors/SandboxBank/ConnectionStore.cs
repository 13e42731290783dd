using Finqware.SkillConnectors.Sdk;
using Npgsql;

namespace Finqware.SkillConnectors.SandboxBank;

/// <summary>A consent the sandbox bank granted: whose, until when, and whether it was revoked at the bank.</summary>
public sealed record SandboxConnection(
    string ConnectionId, string Username, Guid SessionId, string ClientId, string Skill, DateTimeOffset CreatedAt, DateTimeOffset ValidUntil, DateTimeOffset? RevokedAt);

/// <summary>The bank's consents, in the connector's own database (<c>sandbox_connections</c>).</summary>
public sealed class ConnectionStore(NpgsqlDataSource dataSource)
{
    private readonly ConnectorTable table = new(dataSource, """
        CREATE TABLE IF NOT EXISTS sandbox_connections (
            connection_id text PRIMARY KEY,
            username text NOT NULL,
            session_id uuid NOT NULL,
            client_id text NOT NULL,
            skill text NOT NULL,
            created_at timestamptz NOT NULL,
            valid_until timestamptz NOT NULL,
            revoked_at timestamptz);
        """);

    /// <summary>Records the consent unless it exists (a step run again) and returns the stored one.</summary>
    public async Task<SandboxConnection> GrantAsync(SandboxConnection connection, CancellationToken cancellationToken)
    {
        var db = await table.ReadyAsync(cancellationToken);
        await using (var insert = db.CreateCommand("""
            INSERT INTO sandbox_connections (connection_id, username, session_id, client_id, skill, created_at, valid_until)
            VALUES (@id, @username, @session, @client, @skill, @created, @valid) ON CONFLICT (connection_id) DO NOTHING
            """))
        {
            insert.Parameters.AddWithValue("id", connection.ConnectionId);
            insert.Parameters.AddWithValue("username", connection.Username);
            insert.Parameters.AddWithValue("session", connection.SessionId);
            insert.Parameters.AddWithValue("client", connection.ClientId);
            insert.Parameters.AddWithValue("skill", connection.Skill);
            insert.Parameters.AddWithValue("created", connection.CreatedAt);
            insert.Parameters.AddWithValue("valid", connection.ValidUntil);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        return (await FindAsync(connection.ConnectionId, cancellationToken))!;
    }

    public async Task<SandboxConnection?> FindAsync(string connectionId, CancellationToken cancellationToken)
    {
        var db = await table.ReadyAsync(cancellationToken);
        await using var select = db.CreateCommand("""
            SELECT connection_id, username, session_id, client_id, skill, created_at, valid_until, revoked_at
            FROM sandbox_connections WHERE connection_id = @id
            """);
        select.Parameters.AddWithValue("id", connectionId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new SandboxConnection(
            reader.GetString(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4),
            reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6),
            await reader.IsDBNullAsync(7, cancellationToken) ? null : reader.GetFieldValue<DateTimeOffset>(7));
    }

    /// <summary>Revokes the consent (the first revocation's time stays); false when the tenant has no such connection.</summary>
    public async Task<bool> RevokeAsync(string connectionId, string clientId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var db = await table.ReadyAsync(cancellationToken);
        await using var update = db.CreateCommand(
            "UPDATE sandbox_connections SET revoked_at = coalesce(revoked_at, @at) WHERE connection_id = @id AND client_id = @client");
        update.Parameters.AddWithValue("id", connectionId);
        update.Parameters.AddWithValue("client", clientId);
        update.Parameters.AddWithValue("at", at);
        return await update.ExecuteNonQueryAsync(cancellationToken) > 0;
    }
}
