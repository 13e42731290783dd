using Finqware.SkillConnectors.Sdk;
using Npgsql;

namespace Finqware.SkillConnectors.Tests;

/// <summary>A database of its own for each ledger test, with the connector's tables, on the assembly's PostgreSQL server.</summary>
public abstract class LedgerDatabase(PostgresServerFixture postgres) : IAsyncLifetime
{
    protected NpgsqlDataSource DataSource { get; private set; } = null!;

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        DataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("ledger"));
        await new StepLedger(DataSource).EnsureCreatedAsync(Cancel);
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Ends the server processes of every other connection to this database, as a database restart does: what they held is rolled back.</summary>
    protected async Task TerminateOtherConnectionsAsync()
    {
        await using var terminate = DataSource.CreateCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
        Assert.True((long)(await terminate.ExecuteScalarAsync(Cancel))! > 0);
    }

    /// <summary>
    /// A publish the broker refuses twice, then takes. Each attempt records what another connection sees stored then
    /// (<paramref name="stored"/>): nothing while the claim is held.
    /// </summary>
    protected static async Task RefusedTwiceAsync(List<string?> attempts, Func<Task<string?>> stored)
    {
        attempts.Add(await stored());
        if (attempts.Count < 3)
        {
            throw new InvalidOperationException("The broker is unreachable.");
        }
    }
}
