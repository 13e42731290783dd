using Finqware.ServiceDefaults.Outbox;
using Finqware.SessionService.Nonces;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Steps;

namespace Finqware.SessionService.Tests;

/// <summary>
/// A submit writes its step, used nonce, session and outbox row beside EF Core (<see cref="StepSubmitWrite"/>); what it
/// writes must be what EF's model reads. Its behaviour (one step per nonce, the step sent to its connector, every
/// refusal writing nothing) is shown through the API in <see cref="SessionFlowTests"/>.
/// </summary>
public sealed class StepSubmitWriteTests
{
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
}
