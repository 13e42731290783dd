using Finqware.SessionService.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Finqware.SessionService.Tests;

/// <summary>
/// Long-polls and event streams wake at commits from any instance (SessionChanges, SessionChangeListener, the
/// migration SessionChangeNotifications): a change written by another connection, as another instance writes it,
/// wakes this one's waiters through PostgreSQL's notifications; a change rolled back wakes nobody.
/// </summary>
public sealed class SessionChangeTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private SessionHost host = null!;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    private SessionChanges Changes => host.Services.GetRequiredService<SessionChanges>();

    public async ValueTask InitializeAsync() => host = await SessionHost.StartAsync(postgres, rabbit);

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_commit_from_another_connection_wakes_the_sessions_and_the_steps_waiters_and_a_rollback_wakes_nobody()
    {
        var tenant = await host.NewTenantAsync(null, TestSkills.Aisp);
        var (changed, stepId) = await host.SubmitConsentAsync(tenant, TestSkills.Aisp);
        var rolledBack = (await host.Sessions(tenant).OpenAsync(TestSkills.Aisp, Cancel)).Id;
        // Once the connector has answered and stopped, nothing but this test changes these sessions.
        await host.WaitForAsync(db => db.Steps.AnyAsync(s => s.Id == stepId && s.Status != "SUBMITTED" && s.Status != "PROCESSING", Cancel));
        await host.StopConnectorAsync();
        await host.WaitForAsync(_ => Task.FromResult(Changes.CrossInstance));
        await BarrierAsync(); // The submits' own notifications are behind us.

        // Waiting longer than the test may run: only a notification ends these waits with a change.
        var sessionWoken = Changes.WaitForSessionAsync(changed, TimeSpan.FromMinutes(1), Cancel);
        var stepWoken = Changes.WaitForStepAsync(stepId, TimeSpan.FromMinutes(1), Cancel);
        var notWoken = Changes.WaitForSessionAsync(rolledBack, TimeSpan.FromMinutes(1), Cancel);

        await host.QueryAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(Cancel);
            await db.Database.ExecuteSqlInterpolatedAsync($"UPDATE sessions SET updated_at = now() WHERE id = {rolledBack}", Cancel);
            await transaction.RollbackAsync(Cancel);
            return 0;
        });
        await host.QueryAsync(db => db.Database.ExecuteSqlInterpolatedAsync($"UPDATE steps SET updated_at = now() WHERE id = {stepId}", Cancel));

        Assert.True(await sessionWoken);
        Assert.Null(await stepWoken); // Woken with no copy of the step: the waiter reads it again.
        // Notifications arrive in commit order: the rolled-back change, had it sent one, would have come first.
        Assert.False(notWoken.IsCompleted);
        await BarrierAsync();
        Assert.False(notWoken.IsCompleted);
    }

    /// <summary>Notifies a session nobody has and waits for it: every notification committed before has arrived too.</summary>
    private async Task BarrierAsync()
    {
        var marker = Guid.NewGuid();
        var arrived = Changes.WaitForSessionAsync(marker, TimeSpan.FromMinutes(1), Cancel);
        await host.QueryAsync(db => db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_notify({SessionChangeListener.Channel}, {marker.ToString()})", Cancel));
        Assert.True(await arrived);
    }
}
