using Finqware.SkillConnectors.Sdk;
using Npgsql;

namespace Finqware.SkillConnectors.BerlinGroup;

/// <summary>A consent a bank granted, as Finqware's connection: the bank's consent id, whose, until when, and whether it was revoked.</summary>
public sealed record BankConsent(
    string ConnectionId, string Bank, string ConsentId, Guid SessionId, string ClientId, string Skill, DateTimeOffset ValidUntil, DateTimeOffset? RevokedAt);

/// <summary>The consents in the connector's own database (<c>berlin_group_consents</c>): refresh and revoke find the bank's consent id here.</summary>
public sealed class ConsentStore(NpgsqlDataSource dataSource)
{
    private readonly ConnectorTable table = new(dataSource, """
        CREATE TABLE IF NOT EXISTS berlin_group_consents (
            connection_id text PRIMARY KEY,
            bank text NOT NULL,
            consent_id text NOT NULL,
            session_id uuid NOT NULL,
            client_id text NOT NULL,
            skill text NOT NULL,
            valid_until timestamptz NOT NULL,
            revoked_at timestamptz);
        """);

    /// <summary>Records the consent unless it exists (a step run again) and returns the stored one.</summary>
    public async Task<BankConsent> SaveAsync(BankConsent consent, CancellationToken cancellationToken)
    {
        var db = await table.ReadyAsync(cancellationToken);
        await using (var insert = db.CreateCommand("""
            INSERT INTO berlin_group_consents (connection_id, bank, consent_id, session_id, client_id, skill, valid_until)
            VALUES (@id, @bank, @consent, @session, @client, @skill, @valid) ON CONFLICT (connection_id) DO NOTHING
            """))
        {
            insert.Parameters.AddWithValue("id", consent.ConnectionId);
            insert.Parameters.AddWithValue("bank", consent.Bank);
            insert.Parameters.AddWithValue("consent", consent.ConsentId);
            insert.Parameters.AddWithValue("session", consent.SessionId);
            insert.Parameters.AddWithValue("client", consent.ClientId);
            insert.Parameters.AddWithValue("skill", consent.Skill);
            insert.Parameters.AddWithValue("valid", consent.ValidUntil);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        return (await FindAsync(consent.ConnectionId, cancellationToken))!;
    }

    public async Task<BankConsent?> FindAsync(string connectionId, CancellationToken cancellationToken)
    {
        var db = await table.ReadyAsync(cancellationToken);
        await using var select = db.CreateCommand("""
            SELECT connection_id, bank, consent_id, session_id, client_id, skill, valid_until, revoked_at
            FROM berlin_group_consents WHERE connection_id = @id
            """);
        select.Parameters.AddWithValue("id", connectionId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new BankConsent(
            reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetGuid(3), reader.GetString(4), reader.GetString(5),
            reader.GetFieldValue<DateTimeOffset>(6), await reader.IsDBNullAsync(7, cancellationToken) ? null : reader.GetFieldValue<DateTimeOffset>(7));
    }

    /// <summary>Marks the consent revoked (the first time stays).</summary>
    public async Task MarkRevokedAsync(string connectionId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var db = await table.ReadyAsync(cancellationToken);
        await using var update = db.CreateCommand(
            "UPDATE berlin_group_consents SET revoked_at = coalesce(revoked_at, @at) WHERE connection_id = @id");
        update.Parameters.AddWithValue("id", connectionId);
        update.Parameters.AddWithValue("at", at);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }
}
