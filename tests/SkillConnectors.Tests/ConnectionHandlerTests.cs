using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using Finqware.SkillConnectors.Sdk;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Finqware.SkillConnectors.Tests;

/// <summary>
/// The SDK's connection hook on real RabbitMQ and PostgreSQL with an in-process connector: RefreshConnection and
/// RevokeConnection sent to a skill's queue reach its IConnectionHandler once per request id, a refresh is answered
/// with ConnectionDataSynced or ConnectionRefreshFailed, and a skill without a handler says so. Also: an update from
/// outside that changes nothing leaves a step's follow-up due.
/// </summary>
public sealed class ConnectionHandlerTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private const string Skill = "test_connections_sbx_#1.0";
    private const string Bare = "test_bare_sbx_#1.0";
    private const string Cancellable = "test_cancel_sbx_#1.0";
    private const string AnswersConnection = "test-answers";
    private string broker = null!;
    private string database = null!;
    private MessageRecorder answers = null!;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        broker = await rabbit.CreateVirtualHostAsync("connections");
        database = await postgres.CreateDatabaseAsync("connector");
        answers = await MessageRecorder.StartAsync(
            broker, record => record.Record<ConnectionDataSynced>().Record<ConnectionRefreshFailed>().Record<StepProcessed>(), AnswersConnection);
    }

    public async ValueTask DisposeAsync() => await answers.DisposeAsync();

    [Fact]
    public async Task A_refresh_is_answered_with_the_handlers_data_once_per_request_and_a_revoke_makes_later_refreshes_fail()
    {
        await using var connector = await StartConnectorAsync();
        var bank = connector.Services.GetRequiredService<FakeBank>();
        var refresh = Refresh("con_1");

        await SendAsync(refresh);
        await SendAsync(refresh);
        await EventuallyAsync(() => Answers.Count >= 2);
        var synced = answers.Of<ConnectionDataSynced>().ToList();
        Assert.Equal(2, synced.Count);
        Assert.All(synced, s => Assert.Equal(("con_1", "iban-1"), (s.ConnectionId, s.Accounts[0].Iban)));
        Assert.Equal(1, bank.Refreshes);

        var revoke = new RevokeConnection { RequestId = Guid.NewGuid(), ConnectionId = "con_1", ClientId = "fqc_test", Skill = Skill, RequestedAt = DateTimeOffset.UtcNow };
        await SendAsync(revoke);
        await SendAsync(revoke);
        var after = Refresh("con_1");
        await EventuallyAsync(() => bank.Revokes == 1);
        await SendAsync(after);

        await EventuallyAsync(() => answers.Of<ConnectionRefreshFailed>().Any());
        var failed = answers.Of<ConnectionRefreshFailed>().Single();
        Assert.Equal((after.RequestId, "con_1", "CONSENT_REVOKED_AT_BANK"), (failed.RequestId, failed.ConnectionId, failed.Code));
        await Task.Delay(300);
        Assert.Equal(1, bank.Revokes);
    }

    [Theory]
    [InlineData("refresh")]
    [InlineData("revoke")]
    public async Task A_request_in_hand_when_the_broker_connection_drops_reaches_the_bank_once(string kind)
    {
        await using var connector = await StartConnectorAsync();
        var bank = connector.Services.GetRequiredService<FakeBank>();
        var hold = bank.Hold();
        var refresh = Refresh("con_held");
        var revoke = new RevokeConnection { RequestId = Guid.NewGuid(), ConnectionId = "con_held", ClientId = "fqc_test", Skill = Skill, RequestedAt = DateTimeOffset.UtcNow };
        await (kind == "refresh" ? SendAsync(refresh) : SendAsync(revoke));
        await hold.Entered.WaitAsync(TimeSpan.FromSeconds(15), Cancel);

        // The broker drops the connector's connection while the bank call is in hand: MassTransit cancels the message's
        // token, and the broker will redeliver the unacknowledged request. The management API lists a connection some
        // seconds after it opened. Half a second later, the bank answers.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await rabbit.CloseConnectionsAsync(broker, name => name != AnswersConnection) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The management API listed no connection of the connector within 15 s.");
            await Task.Delay(200, Cancel);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500), Cancel);
        hold.Release();

        // The first copy finishes, and the broker's redelivered copy is consumed too.
        var requestId = kind == "refresh" ? refresh.RequestId : revoke.RequestId;
        var consumed = connector.Services.GetRequiredService<ConsumedRequests>();
        await EventuallyAsync(() => consumed.Count(requestId) >= 2, TimeSpan.FromSeconds(45));

        Assert.Equal(1, kind == "refresh" ? bank.Refreshes : bank.Revokes);
        if (kind == "refresh")
        {
            // Answered by the run and again by the redelivered copy, from the stored answer: the same data twice, which
            // SessionService applies as once (ConnectionDataSyncedConsumer).
            await EventuallyAsync(() => answers.Of<ConnectionDataSynced>().Count(a => a.ConnectionId == "con_held") >= 2);
        }
    }

    [Fact]
    public async Task A_skill_without_a_connection_handler_answers_refresh_not_supported()
    {
        await using var connector = await StartConnectorAsync();
        var refresh = Refresh("con_2") with { Skill = Bare };

        await SendAsync(refresh);

        await EventuallyAsync(() => answers.Of<ConnectionRefreshFailed>().Any());
        Assert.Equal("REFRESH_NOT_SUPPORTED", answers.Of<ConnectionRefreshFailed>().Single().Code);
    }

    [Fact]
    public async Task An_update_that_changes_nothing_leaves_the_steps_follow_up_due()
    {
        await using var connector = await StartConnectorAsync();
        var step = new ProcessStep
        {
            SessionId = Guid.NewGuid(), StepId = Guid.NewGuid(), ClientId = "fqc_test", Skill = Bare, Step = "consent", StepNumber = 1,
            Data = JsonSerializer.SerializeToElement(new { }),
        };
        await SendAsync(step);
        await EventuallyAsync(() => answers.Of<StepProcessed>().Any(o => o.StepId == step.StepId));

        var unchanged = await connector.Services.GetRequiredService<IStepUpdates>().UpdateAsync(step.StepId, _ => Task.FromResult<StepOutcome?>(null), default);

        Assert.Equal(StepUpdateResult.Unchanged, unchanged);
        await EventuallyAsync(() => answers.Of<StepProcessed>().Any(o => o.StepId == step.StepId && o.Outcome == StepOutcomes.Completed));
    }

    [Fact]
    public async Task A_cancelled_session_undoes_its_step_once_drops_its_follow_up_and_a_listed_step_that_comes_later_never_runs()
    {
        await using var connector = await StartConnectorAsync();
        var bank = connector.Services.GetRequiredService<FakeBank>();
        var consumed = connector.Services.GetRequiredService<ConsumedRequests>();
        var sessionId = Guid.NewGuid();
        var waiting = new ProcessStep
        {
            SessionId = sessionId, StepId = Guid.NewGuid(), ClientId = "fqc_test", Skill = Cancellable, Step = "consent", StepNumber = 1,
            Data = JsonSerializer.SerializeToElement(new { }),
        };
        await SendAsync(waiting);
        await EventuallyAsync(() => answers.Of<StepProcessed>().Any(o => o.StepId == waiting.StepId && o.Outcome == StepOutcomes.ActionRequired));

        // The cancel lists the step waiting for the user and one that has not reached the connector yet; it comes twice.
        var late = waiting with { StepId = Guid.NewGuid(), StepNumber = 2 };
        var cancel = new CancelSession
        {
            SessionId = sessionId, ClientId = "fqc_test", Skill = Cancellable, CancelledAt = DateTimeOffset.UtcNow,
            Steps = [new CancelledStep { StepId = waiting.StepId, Step = "consent" }, new CancelledStep { StepId = late.StepId, Step = "consent" }],
        };
        await SendAsync(cancel);
        await SendAsync(cancel);
        await EventuallyAsync(() => consumed.Count(sessionId) == 2);
        Assert.Equal(1, bank.Cancels);
        await using (var db = await NpgsqlDataSource.Create(database).OpenConnectionAsync(Cancel))
        {
            await using var read = new NpgsqlCommand("SELECT outcome->'error'->>'code', follow_up_at IS NULL FROM processed_steps WHERE step_id = @id", db);
            read.Parameters.AddWithValue("id", waiting.StepId);
            await using var row = await read.ExecuteReaderAsync(Cancel);
            Assert.True(await row.ReadAsync(Cancel));
            Assert.Equal((StepLedger.CancelledCode, true), (row.GetString(0), row.GetBoolean(1)));
        }

        // The late step is answered with the cancel, and its handler never runs.
        await SendAsync(late);
        await EventuallyAsync(() => answers.Of<StepProcessed>().Any(o => o.StepId == late.StepId));
        var answered = answers.Of<StepProcessed>().Single(o => o.StepId == late.StepId);
        Assert.Equal((StepOutcomes.Failed, StepLedger.CancelledCode), (answered.Outcome, answered.Error?.Code));
        Assert.Equal(1, bank.Runs);
    }

    /// <summary>What the connector answered refreshes and revokes with.</summary>
    private List<object> Answers => [.. answers.Messages.Where(m => m is not StepProcessed)];

    private static RefreshConnection Refresh(string connectionId) => new()
    {
        RequestId = Guid.NewGuid(), ConnectionId = connectionId, SessionId = Guid.NewGuid(), ClientId = "fqc_test", Skill = Skill, RequestedAt = DateTimeOffset.UtcNow,
    };

    private async Task SendAsync<T>(T message) where T : class
    {
        var skill = message switch
        {
            RefreshConnection r => r.Skill,
            RevokeConnection r => r.Skill,
            ProcessStep p => p.Skill,
            CancelSession c => c.Skill,
            _ => throw new ArgumentException("unknown message"),
        };
        await answers.SendAsync(SkillQueues.For(skill), message);
    }

    private static async Task EventuallyAsync(Func<bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The condition did not hold within {(within ?? TimeSpan.FromSeconds(15)).TotalSeconds} s.");
            await Task.Delay(50);
        }
    }

    private async Task<RunningConnector> StartConnectorAsync()
    {
        var connector = ConnectorHost.CreateBuilder(
        [
            "--urls=http://127.0.0.1:0",
            $"--ConnectionStrings:messaging={broker}",
            $"--ConnectionStrings:connectordb={database}",
            "--Connector:FollowUpPollInterval=00:00:00.100",
            "--Logging:LogLevel:Default=Warning",
        ]);
        connector.Services.AddSingleton<FakeBank>();
        connector.Services.AddSingleton<ConsumedRequests>();
        connector.Services.AddConsumeObserver(services => services.GetRequiredService<ConsumedRequests>());
        connector.AddSkill(Manifest(Skill)).HandleStep<LaterHandler>("consent").HandleConnections<FakeConnections>();
        connector.AddSkill(Manifest(Bare)).HandleStep<LaterHandler>("consent");
        connector.AddSkill(Manifest(Cancellable)).HandleStep<CancellableHandler>("consent");
        var app = connector.Build();
        await app.StartAsync();
        return new RunningConnector(app);
    }

    private static SkillManifest Manifest(string skill) => new()
    {
        SkillId = skill,
        Provider = "test",
        DisplayName = "Connections (test)",
        Description = "A consent whose connection is refreshed and revoked.",
        Type = "aisp",
        Flavor = "sandbox",
        Version = "1.0",
        Steps =
        [
            new StepManifest
            {
                Name = "consent",
                Description = "Decoupled, approved 1 s later.",
                DataSchema = StepManifest.Schema("""{"type":"object","examples":[{}]}"""),
                Async = true,
            },
        ],
    };

    /// <summary>The "bank": counts what reached it.</summary>
    public sealed class FakeBank
    {
        private int refreshes;
        private int revokes;

        public int Refreshes => refreshes;

        public int Revokes => revokes;

        public ConcurrentDictionary<string, bool> Revoked { get; } = new();

        /// <summary>Set by <see cref="Hold"/>: each call waits at the bank until the test releases it.</summary>
        public HeldCalls? Held { get; private set; }

        public HeldCalls Hold() => Held = new HeldCalls();

        public async Task CountRefreshAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref refreshes);
            await (Held?.WaitAsync(cancellationToken) ?? Task.CompletedTask);
        }

        private int runs;
        private int cancels;

        /// <summary>Steps of <see cref="Cancellable"/> the handler ran, and cancellations it undid at the bank.</summary>
        public int Runs => runs;

        public int Cancels => cancels;

        public void CountRun() => Interlocked.Increment(ref runs);

        public void CountCancel() => Interlocked.Increment(ref cancels);

        public async Task CountRevokeAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref revokes);
            await (Held?.WaitAsync(cancellationToken) ?? Task.CompletedTask);
        }
    }

    /// <summary>How many copies of each connection request the connector consumed, whether its consumer finished or threw.</summary>
    public sealed class ConsumedRequests : IConsumeObserver
    {
        private readonly ConcurrentDictionary<Guid, int> consumed = new();

        public int Count(Guid requestId) => consumed.GetValueOrDefault(requestId);

        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class => Record(context.Message);

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Record(context.Message);

        private Task Record(object message)
        {
            if (message switch { RefreshConnection r => r.RequestId, RevokeConnection r => r.RequestId, CancelSession c => c.SessionId, _ => (Guid?)null } is { } requestId)
            {
                consumed.AddOrUpdate(requestId, 1, (_, count) => count + 1);
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>Bank calls that wait, as a slow bank's would, honouring their token, until <see cref="Release"/>.</summary>
    public sealed class HeldCalls
    {
        private readonly TaskCompletionSource entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int waiting;

        public Task Entered => entered.Task;

        public int Waiting => waiting;

        public void Release() => released.TrySetResult();

        public async Task WaitAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref waiting);
            entered.TrySetResult();
            try
            {
                await released.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref waiting);
            }
        }
    }

    private sealed class FakeConnections(FakeBank bank) : IConnectionHandler
    {
        public async Task<ConnectionRefresh> RefreshAsync(RefreshConnection request, CancellationToken cancellationToken)
        {
            await bank.CountRefreshAsync(cancellationToken);
            return bank.Revoked.ContainsKey(request.ConnectionId)
                ? ConnectionRefresh.Failed("CONSENT_REVOKED_AT_BANK", "Revoked at the bank.")
                : ConnectionRefresh.Synced(new ConnectionDataSynced
                {
                    ConnectionId = request.ConnectionId,
                    SessionId = request.SessionId,
                    ClientId = request.ClientId,
                    Skill = request.Skill,
                    ValidUntil = DateTimeOffset.UtcNow.AddDays(90),
                    SyncedAt = DateTimeOffset.UtcNow,
                    Accounts =
                    [
                        new AccountData { AccountId = "acc_1", Iban = "iban-1", Name = "Current", Kind = "current", Currency = "EUR", Balances = [], Transactions = [] },
                    ],
                });
        }

        public async Task RevokeAsync(RevokeConnection request, CancellationToken cancellationToken)
        {
            await bank.CountRevokeAsync(cancellationToken);
            bank.Revoked[request.ConnectionId] = true;
        }
    }

    private sealed class LaterHandler : IStepHandler, IStepFollowUp
    {
        public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken) =>
            Task.FromResult(StepOutcome.Decoupled("Approve in your bank app").ThenFollowUp(TimeSpan.FromSeconds(1)));

        public Task<StepOutcome?> FollowUpAsync(StepContext step, JsonElement? state, CancellationToken cancellationToken) =>
            Task.FromResult<StepOutcome?>(StepOutcome.Completed());
    }

    /// <summary>Waits for the user at the bank for a minute (a follow-up then completes it), and undoes its SCA when cancelled.</summary>
    private sealed class CancellableHandler(FakeBank bank) : IStepHandler, IStepFollowUp, IStepCancellation
    {
        public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
        {
            bank.CountRun();
            return Task.FromResult(StepOutcome.Decoupled("Approve in your bank app").ThenFollowUp(TimeSpan.FromMinutes(1)));
        }

        public Task<StepOutcome?> FollowUpAsync(StepContext step, JsonElement? state, CancellationToken cancellationToken) =>
            Task.FromResult<StepOutcome?>(StepOutcome.Completed());

        public Task CancelAsync(StepContext step, CancellationToken cancellationToken)
        {
            Assert.Equal(StepOutcomes.ActionRequired, step.CurrentOutcome?.Outcome);
            bank.CountCancel();
            return Task.CompletedTask;
        }
    }

    private sealed class RunningConnector(WebApplication app) : IAsyncDisposable
    {
        public IServiceProvider Services => app.Services;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
