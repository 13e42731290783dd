using System.Diagnostics;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Finqware.SessionService.Tests;

/// <summary>What a unit of work sends to PostgreSQL, seen through Npgsql's own tracing.</summary>
public sealed class UnitOfWorkTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private SessionHost host = null!;

    public async ValueTask InitializeAsync() => host = await SessionHost.StartAsync(postgres, rabbit, withConnector: false);

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_save_inside_a_transaction_sends_no_savepoint_round_trips()
    {
        var statements = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => statements.Enqueue(
                activity.GetTagItem("db.query.text") as string ?? activity.GetTagItem("db.statement") as string ?? activity.DisplayName),
        };
        ActivitySource.AddActivityListener(listener);

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SessionDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken);
            db.Tenants.Add(new TenantReplica { ClientId = "fqc_unit_of_work", Status = "ACTIVE", UpdatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            await transaction.CommitAsync(TestContext.Current.CancellationToken);
        }

        Assert.Contains(statements, s => s.Contains("INSERT INTO tenants", StringComparison.Ordinal));
        Assert.DoesNotContain(statements, s => s.Contains("SAVEPOINT", StringComparison.OrdinalIgnoreCase));
        Assert.True(await host.QueryAsync(async db => await db.Tenants.FindAsync("fqc_unit_of_work") is not null));
    }

    [Fact]
    public async Task A_pooled_context_hands_the_relay_only_what_its_current_unit_of_work_committed()
    {
        var publishes = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Finqware.Outbox",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => publishes.Enqueue(activity.GetTagItem("messaging.message.type") as string ?? ""),
        };
        ActivitySource.AddActivityListener(listener);
        // One context in the pool, so every lease gets the same instance, with the service's own options and interceptors.
        var pool = new PooledDbContextFactory<SessionDbContext>(host.Services.GetRequiredService<DbContextOptions<SessionDbContext>>(), poolSize: 1);
        var ct = TestContext.Current.CancellationToken;

        DbContextId first;
        await using (var db = await pool.CreateDbContextAsync(ct))
        {
            first = db.ContextId;
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            db.SendOnCommit("sessions-test-outbox-probe", new AbandonedProbe(Guid.NewGuid()));
            await db.SaveChangesAsync(ct);
            // The unit of work ends without a commit: its transaction is disposed, so rolled back.
        }

        await using (var db = await pool.CreateDbContextAsync(ct))
        {
            Assert.Equal((first.InstanceId, first.Lease + 1), (db.ContextId.InstanceId, db.ContextId.Lease));
            db.Tenants.Add(new TenantReplica { ClientId = "fqc_pooled_outbox", Status = "ACTIVE", UpdatedAt = DateTimeOffset.UtcNow });
            db.SendOnCommit("sessions-test-outbox-probe", new CommittedProbe(Guid.NewGuid()));
            await db.SaveChangesAsync(ct);
        }

        await host.WaitForAsync(async _ => await Task.FromResult(publishes.Contains(nameof(CommittedProbe))));
        Assert.DoesNotContain(nameof(AbandonedProbe), publishes);
        Assert.False(await host.QueryAsync(db => db.Database.SqlQueryRaw<int>("SELECT 1 AS \"Value\" FROM outbox_messages WHERE body::text LIKE '%abandoned%'").AnyAsync()));
    }

    public sealed record AbandonedProbe(Guid Id)
    {
        public string Kind => "abandoned";
    }

    public sealed record CommittedProbe(Guid Id);
}
