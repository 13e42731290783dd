using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.Sdk;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Finqware.SkillConnectors.Tests;

/// <summary>
/// The ledger of refreshes and revokes on real PostgreSQL, once its handler has run: an answer the broker refuses is
/// published again while the request's claim is held, so the bank is not called twice; an answer the broker never takes
/// is given up, so the redelivered request runs it again; a request that ran is answered from what was stored; a copy
/// that arrives while the database restarts waits for the first.
/// </summary>
public sealed class ConnectionRequestLedgerTests(PostgresServerFixture postgres) : LedgerDatabase(postgres)
{
    [Fact]
    public async Task An_answer_the_broker_refuses_is_published_again_while_the_claim_is_held_and_the_bank_is_called_once()
    {
        var requestId = Guid.NewGuid();
        var ledger = new ConnectionRequestLedger(DataSource);
        var (runs, attempts) = (0, new List<string?>());

        var ran = await ledger.RunOnceAsync(
            requestId,
            "refresh",
            () =>
            {
                runs++;
                return Task.FromResult<object?>(Failed(requestId));
            },
            _ => RefusedTwiceAsync(attempts, () => StoredAnswerAsync(requestId)),
            Cancel);

        Assert.True(ran);
        Assert.Equal(1, runs);
        Assert.Equal([null, null, null], attempts);
        Assert.Equal(nameof(ConnectionRefreshFailed), await StoredAnswerAsync(requestId));

        // The redelivered request publishes the stored answer and does not call the bank.
        var published = new List<object>();
        var again = await ledger.RunOnceAsync(
            requestId, "refresh", () => throw new InvalidOperationException("The bank must not be called twice."), a => { published.Add(a); return Task.CompletedTask; }, Cancel);
        Assert.False(again);
        Assert.Equal(("CONSENT_EXPIRED", requestId), published.Cast<ConnectionRefreshFailed>().Select(f => (f.Code, f.RequestId)).Single());
    }

    [Fact]
    public async Task An_answer_the_broker_never_takes_is_given_up_so_the_redelivered_request_runs_again()
    {
        var requestId = Guid.NewGuid();
        var ledger = new ConnectionRequestLedger(DataSource, Options.Create(new ConnectorOptions { OutcomeRetryFor = TimeSpan.FromSeconds(1) }));
        var attempts = 0;

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ledger.RunOnceAsync(
            requestId,
            "refresh",
            () => Task.FromResult<object?>(Failed(requestId)),
            _ =>
            {
                attempts++;
                throw new InvalidOperationException("The broker is unreachable.");
            },
            Cancel));

        Assert.Equal("The broker is unreachable.", refused.Message);
        Assert.True(attempts > 1, $"{attempts} attempt(s)");
        Assert.False(await ExistsAsync(requestId));
        Assert.True(await ledger.RunOnceAsync(requestId, "refresh", () => Task.FromResult<object?>(Failed(requestId)), _ => Task.CompletedTask, Cancel));
    }

    [Fact]
    public async Task A_copy_that_arrives_while_a_lost_claims_answer_waits_to_be_stored_again_does_not_call_the_bank()
    {
        var requestId = Guid.NewGuid();
        var ledger = new ConnectionRequestLedger(DataSource);
        var (runs, entered, release) = (0, new TaskCompletionSource(), new TaskCompletionSource());
        var first = ledger.RunOnceAsync(
            requestId,
            "refresh",
            async () =>
            {
                Interlocked.Increment(ref runs);
                entered.TrySetResult();
                await release.Task;
                return Failed(requestId);
            },
            _ => Task.CompletedTask,
            Cancel);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Cancel);

        // The database drops the claim's connection (as a restart does); then a second copy of the request arrives.
        await TerminateOtherConnectionsAsync();

        var second = ledger.RunOnceAsync(
            requestId,
            "refresh",
            () =>
            {
                Interlocked.Increment(ref runs);
                return Task.FromResult<object?>(Failed(requestId));
            },
            _ => Task.CompletedTask,
            Cancel);
        await Task.Delay(500, Cancel);
        release.SetResult();

        var ran = await Task.WhenAll(first, second);
        Assert.Equal([true, false], ran);
        Assert.Equal(1, runs);
        Assert.Equal(nameof(ConnectionRefreshFailed), await StoredAnswerAsync(requestId));
    }

    private static ConnectionRefreshFailed Failed(Guid requestId) => new()
    {
        RequestId = requestId, ConnectionId = "con_1", ClientId = "fqc_test", Code = "CONSENT_EXPIRED", Message = "The consent expired.", At = DateTimeOffset.UtcNow,
    };

    /// <summary>The answer's type stored for the request as another connection sees it (null while its row is not committed).</summary>
    private async Task<string?> StoredAnswerAsync(Guid requestId)
    {
        await using var read = DataSource.CreateCommand("SELECT answer_type FROM connection_requests WHERE request_id = $1");
        read.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = requestId });
        return await read.ExecuteScalarAsync(Cancel) as string;
    }

    private async Task<bool> ExistsAsync(Guid requestId)
    {
        await using var read = DataSource.CreateCommand("SELECT count(*) FROM connection_requests WHERE request_id = $1");
        read.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = requestId });
        return (long)(await read.ExecuteScalarAsync(Cancel))! > 0;
    }
}
