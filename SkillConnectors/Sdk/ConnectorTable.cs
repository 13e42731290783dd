using Npgsql;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>
/// A table a connector keeps of its own in its database (<c>ConnectionStrings__connectordb</c>), created on first use with
/// <paramref name="createSql"/> (<c>CREATE TABLE IF NOT EXISTS …</c>): safe when several instances create it at the same moment.
/// </summary>
public sealed class ConnectorTable(NpgsqlDataSource dataSource, string createSql)
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile bool created;

    /// <summary>Creates the table unless this process already did; then every command of the caller may use it.</summary>
    public async Task<NpgsqlDataSource> ReadyAsync(CancellationToken cancellationToken)
    {
        if (created)
        {
            return dataSource;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!created)
            {
                await using var create = dataSource.CreateCommand(createSql);
                try
                {
                    await create.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
                {
                    // Another instance created it at the same moment.
                }

                created = true;
            }
        }
        finally
        {
            gate.Release();
        }

        return dataSource;
    }
}
