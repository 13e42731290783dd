using Finqware.ServiceDefaults.Data;
using Finqware.SessionService.Nonces;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Steps;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Finqware.SessionService.Tests;

/// <summary>
/// A submit writes its step, used nonce, session and outbox row beside EF Core (<see cref="StepSubmitWrite"/>); what it
/// writes must be what EF's model reads, and it must not undo a cancel that lands between its read and its write. Its
/// behaviour through the API (one step per nonce, the step sent to its connector, every refusal writing nothing) is
/// in <see cref="SessionFlowTests"/>.
/// </summary>
public sealed class StepSubmitWriteTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private SessionHost host = null!;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => host = await SessionHost.StartAsync(postgres, rabbit);

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public void The_submit_writes_the_ef_models_columns()
    {
        Assert.Equal(ModelColumns.Of<Step>(out var steps), StepSubmitWrite.StepColumns.Order());
        Assert.Equal("steps", steps);
        Assert.Equal(ModelColumns.Of<UsedNonce>(out var usedNonces), StepSubmitWrite.UsedNonceColumns.Order());
        Assert.Equal("used_nonces", usedNonces);
        Assert.Subset(ModelColumns.Of<Session>(out var sessions).ToHashSet(), StepSubmitWrite.SessionColumns.ToHashSet());
        Assert.Equal("sessions", sessions);
        Assert.Equal(ModelColumns.Of<OutboxMessage>(out var outbox), OutboxModelExtensions.OutboxColumns.Order());
        Assert.Equal(OutboxModelExtensions.OutboxTable, outbox);
    }

    [Fact]
    public async Task A_cancel_between_the_submits_read_and_its_write_stays_and_the_rest_is_written()
    {
        var tenant = await host.NewTenantAsync();
        var sessionId = (await host.Sessions(tenant).OpenAsync(TestSkills.Aisp, Cancel)).Id;
        var session = await host.QueryAsync(db => db.Sessions.AsNoTracking().SingleAsync(s => s.Id == sessionId, Cancel));
        var readStatus = session.Status;
        var now = DateTimeOffset.UtcNow;
        var step = new Step
        {
            Id = Guid.CreateVersion7(), SessionId = sessionId, Number = 1, Name = "consent", Status = StepStatus.Submitted,
            Data = JsonDocument.Parse("""{"user":"user_good"}"""), CreatedAt = now, UpdatedAt = now,
        };
        var used = new UsedNonce { Identifier = session.CurrentNonceId, SessionId = sessionId, UsedAt = now };
        session.Status = SessionStatus.InProgress;
        session.NextSeq = 2;
        session.CurrentNonceId = "next-nonce";
        session.UpdatedAt = now;

        // The tenant cancels the session after the submit read it.
        await host.QueryAsync(db => db.Database.ExecuteSqlInterpolatedAsync($"UPDATE sessions SET status = {SessionStatus.Cancelled} WHERE id = {sessionId}", Cancel));
        await host.Services.GetRequiredService<StepSubmitWrite>().WriteAsync(session, readStatus, step, used, command: null, Cancel);

        var stored = await host.QueryAsync(db => db.Sessions.AsNoTracking().Include(s => s.Steps).SingleAsync(s => s.Id == sessionId, Cancel));
        Assert.Equal(SessionStatus.Cancelled, stored.Status);
        Assert.Equal((2, "next-nonce"), (stored.NextSeq, stored.CurrentNonceId));
        Assert.Equal((step.Id, StepStatus.Submitted, "user_good"), (stored.Steps.Single().Id, stored.Steps.Single().Status, stored.Steps.Single().Data.RootElement.GetProperty("user").GetString()));
        Assert.True(await host.QueryAsync(db => db.UsedNonces.AnyAsync(n => n.Identifier == used.Identifier, Cancel)));
    }
}
