using Finqware.Contracts.Sessions;
using Finqware.ServiceDefaults.Data;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Steps;
using Finqware.SessionService.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Finqware.SessionService.Tests;

/// <summary>
/// The StepProcessed consumer writes an applied outcome in one guarded statement beside EF Core: it must write the
/// columns EF's model has, everything or nothing, and nothing at all when the session or the step changed after they
/// were read, or when the message was applied before.
/// </summary>
public sealed class StepOutcomeWriteTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private SessionHost host = null!;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => host = await SessionHost.StartAsync(postgres, rabbit);

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public void The_write_uses_the_ef_models_columns()
    {
        Assert.Equal(ModelColumns.Of<WebhookDelivery>(out var webhooks), StepOutcomeWrite.WebhookColumns.Order());
        Assert.Equal("webhook_deliveries", webhooks);
        Assert.Subset(ModelColumns.Of<Step>(out var steps).ToHashSet(), StepOutcomeWrite.StepColumns.ToHashSet());
        Assert.Equal("steps", steps);
    }

    [Fact]
    public async Task A_write_finds_the_session_changed_since_it_was_read_and_writes_nothing_then_succeeds_on_a_fresh_read()
    {
        var (sessionId, stepId) = await SubmittedStepAsync();
        var messageId = Guid.NewGuid();
        var (session, step, seen, events) = await ApplyAsync(sessionId, stepId, "COMPLETED");

        // Something else changes the session between the read and the write (a cancel, another outcome).
        await host.QueryAsync(db => db.Database.ExecuteSqlInterpolatedAsync($"UPDATE sessions SET updated_at = now() WHERE id = {sessionId}", Cancel));

        Assert.False(await Write().TryWriteAsync(session, step, seen, events, messageId, "test", Cancel));
        Assert.Equal(StepStatus.Submitted, await StoredStatusAsync(stepId));
        Assert.Equal(0, await host.QueryAsync(db => db.Set<InboxMessage>().CountAsync(m => m.MessageId == messageId, Cancel)));
        Assert.Equal(0, await host.QueryAsync(db => db.WebhookDeliveries.CountAsync(w => w.SessionId == sessionId, Cancel)));

        (session, step, seen, events) = await ApplyAsync(sessionId, stepId, "COMPLETED");
        Assert.True(await Write().TryWriteAsync(session, step, seen, events, messageId, "test", Cancel));

        var stored = await host.QueryAsync(db => db.Sessions.AsNoTracking().Include(s => s.Steps).SingleAsync(s => s.Id == sessionId, Cancel));
        Assert.Equal((StepStatus.Completed, session.Status), (stored.Steps.Single().Status, stored.Status));
        Assert.Equal(step.UpdatedAt, stored.Steps.Single().UpdatedAt);
        Assert.Equal("c-1", stored.Steps.Single().Result!.RootElement.GetProperty("consent_id").GetString());
        Assert.Equal(1, await host.QueryAsync(db => db.Set<InboxMessage>().CountAsync(m => m.MessageId == messageId, Cancel)));
        var webhooks = await host.QueryAsync(db => db.WebhookDeliveries.Where(w => w.SessionId == sessionId).ToListAsync(Cancel));
        Assert.Equal(events.Select(e => (e.Id, e.EventType, e.Payload, e.Url)).Order(), webhooks.Select(w => (w.Id, w.EventType, w.Payload, w.Url)).Order());
        Assert.Contains(webhooks, w => w.EventType == WebhookEvents.StepCompleted);
    }

    [Fact]
    public async Task A_write_finds_the_step_changed_since_it_was_read_and_writes_nothing()
    {
        var (sessionId, stepId) = await SubmittedStepAsync();
        var (session, step, seen, events) = await ApplyAsync(sessionId, stepId, "COMPLETED");

        await host.QueryAsync(db => db.Database.ExecuteSqlInterpolatedAsync($"UPDATE steps SET status = 'PROCESSING' WHERE id = {stepId}", Cancel));

        Assert.False(await Write().TryWriteAsync(session, step, seen, events, Guid.NewGuid(), "test", Cancel));
        Assert.Equal(StepStatus.Processing, await StoredStatusAsync(stepId));
        Assert.Equal(0, await host.QueryAsync(db => db.WebhookDeliveries.CountAsync(w => w.SessionId == sessionId, Cancel)));
    }

    [Fact]
    public async Task A_message_applied_before_fails_on_the_inbox_and_writes_nothing()
    {
        var (sessionId, stepId) = await SubmittedStepAsync();
        var messageId = Guid.NewGuid();
        var (session, step, seen, events) = await ApplyAsync(sessionId, stepId, "ACTION_REQUIRED");
        Assert.True(await Write().TryWriteAsync(session, step, seen, events, messageId, "test", Cancel));

        (session, step, seen, events) = await ApplyAsync(sessionId, stepId, "COMPLETED");
        var refused = await Assert.ThrowsAsync<PostgresException>(() => Write().TryWriteAsync(session, step, seen, events, messageId, "test", Cancel));

        Assert.Equal((PostgresErrorCodes.UniqueViolation, OutboxModelExtensions.InboxTable), (refused.SqlState, refused.TableName));
        Assert.Equal(StepStatus.ActionRequired, await StoredStatusAsync(stepId));
        Assert.Equal([WebhookEvents.StepActionRequired], await host.QueryAsync(db => db.WebhookDeliveries.Where(w => w.SessionId == sessionId).Select(w => w.EventType).ToListAsync(Cancel)));
    }

    [Fact]
    public async Task An_outcome_for_a_step_this_instance_sent_is_applied_to_the_session_it_kept_without_reading_it_back()
    {
        var (sessionId, stepId) = await SubmittedStepAsync();

        var statements = await ConsumerStatementsAsync(sessionId, stepId);

        // One statement: the guarded write, which found the session and the step as the submit left them.
        Assert.StartsWith("WITH seen AS", Assert.Single(statements), StringComparison.Ordinal);
        Assert.Equal(StepStatus.Completed, await StoredStatusAsync(stepId));
        Assert.Equal(SessionStatus.Completed, await host.QueryAsync(db => db.Sessions.Where(s => s.Id == sessionId).Select(s => s.Status).SingleAsync(Cancel)));
    }

    [Fact]
    public async Task A_kept_session_that_changed_since_is_not_trusted_and_the_outcome_is_applied_to_a_fresh_read()
    {
        var (sessionId, stepId) = await SubmittedStepAsync();
        // Another instance changes the session after the submit (an outcome of its own, a cancel).
        await host.QueryAsync(db => db.Database.ExecuteSqlInterpolatedAsync($"UPDATE sessions SET updated_at = now() WHERE id = {sessionId}", Cancel));

        var statements = await ConsumerStatementsAsync(sessionId, stepId);

        // The write on the kept copy is refused, then the session is read and the write goes through.
        Assert.Equal(3, statements.Count);
        Assert.StartsWith("WITH seen AS", statements[0], StringComparison.Ordinal);
        Assert.StartsWith("SELECT", statements[1], StringComparison.Ordinal);
        Assert.StartsWith("WITH seen AS", statements[2], StringComparison.Ordinal);
        Assert.Equal(StepStatus.Completed, await StoredStatusAsync(stepId));
    }

    /// <summary>Sends a COMPLETED outcome for the step, waits until it is consumed, and returns the statements the consumer ran for it, in order.</summary>
    private async Task<IReadOnlyList<string>> ConsumerStatementsAsync(Guid sessionId, Guid stepId)
    {
        using var statements = new TraceStatements();
        using (statements.Start())
        {
            await host.PublishAsync(new StepProcessed
            {
                SessionId = sessionId, StepId = stepId, Skill = TestSkills.Aisp, Step = "consent", Outcome = StepOutcomes.Completed,
                Result = System.Text.Json.JsonDocument.Parse("""{"consent_id":"c-1"}""").RootElement, ProcessedAt = DateTimeOffset.UtcNow,
            }, Guid.NewGuid());
        }

        await statements.Consumed.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        return statements.InConsumers;
    }

    private StepOutcomeWrite Write() => host.Services.GetRequiredService<StepOutcomeWrite>();

    private Task<string> StoredStatusAsync(Guid stepId) =>
        host.QueryAsync(db => db.Steps.AsNoTracking().Where(s => s.Id == stepId).Select(s => s.Status).SingleAsync(Cancel));

    /// <summary>A session of a tenant with a webhook URL, its first step submitted and left with no connector to run it.</summary>
    private async Task<(Guid SessionId, Guid StepId)> SubmittedStepAsync()
    {
        var tenant = await host.NewTenantAsync(webhookUrl: "http://127.0.0.1:9/hooks");
        await host.StopConnectorAsync();
        return await host.SubmitConsentAsync(tenant, TestSkills.Aisp);
    }

    /// <summary>Reads the session as the consumer does and applies <paramref name="outcome"/> to it in memory.</summary>
    private async Task<(Session Session, Step Step, StepOutcomeWrite.Seen Seen, List<WebhookDelivery> Events)> ApplyAsync(Guid sessionId, Guid stepId, string outcome)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SessionDbContext>();
        var session = await db.Sessions.AsNoTracking().Include(s => s.Steps).ThenInclude(s => s.Attachments).SingleAsync(s => s.Id == sessionId, Cancel);
        var step = session.Steps.Single(s => s.Id == stepId);
        var seen = StepOutcomeWrite.Seen.Of(session, step);
        var now = DateTimeOffset.UtcNow;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
        Assert.True(step.Apply(new StepProcessed
        {
            SessionId = sessionId, StepId = stepId, Skill = TestSkills.Aisp, Step = "consent", Outcome = outcome,
            Result = outcome == "COMPLETED" ? System.Text.Json.JsonDocument.Parse("""{"consent_id":"c-1"}""").RootElement : null,
            Action = outcome == "ACTION_REQUIRED" ? new StepAction { Type = "REDIRECT", Url = "https://bank.test/sca" } : null,
            ProcessedAt = now,
        }, now));
        SessionLifecycle.Refresh(session, 1, now);
        session.UpdatedAt = now;
        var type = outcome == "COMPLETED" ? WebhookEvents.StepCompleted : WebhookEvents.StepActionRequired;
        var events = new List<WebhookDelivery>();
        if (await scope.ServiceProvider.GetRequiredService<WebhookOutbox>().CreateAsync(session, type, step, Cancel) is { } delivery)
        {
            events.Add(delivery);
        }

        Assert.NotEmpty(events);
        return (session, step, seen, events);
    }
}
