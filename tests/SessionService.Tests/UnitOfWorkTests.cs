using System.Collections.Concurrent;
using System.Diagnostics;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Tenants;
using Finqware.Testing;
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
}
