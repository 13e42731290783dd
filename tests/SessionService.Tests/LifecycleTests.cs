using Finqware.Contracts.Sessions;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Steps;
using Finqware.SessionService.Uploads;

namespace Finqware.SessionService.Tests;

public sealed class LifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Session NewSession() => new()
    {
        Id = Guid.NewGuid(), ClientId = "fqc_a", Skill = "xyz_sbx_#3.0", Status = SessionStatus.Created,
        CreatedAt = Now, ExpiresAt = Now.AddMinutes(30), CurrentNonceId = "n1",
    };

    private static Step NewStep(Session session, int number, string status) => new()
    {
        Id = Guid.NewGuid(), SessionId = session.Id, Number = number, Name = $"step{number}", Status = status,
        Data = JsonDocument.Parse("{}"), CreatedAt = Now,
    };

    private static StepProcessed Outcome(Step step, string outcome, string? result = null) => new()
    {
        SessionId = step.SessionId, StepId = step.Id, Skill = "xyz_sbx_#3.0", Step = step.Name, Outcome = outcome,
        Result = result is null ? null : JsonDocument.Parse(result).RootElement, ProcessedAt = Now,
        Action = outcome == StepOutcomes.ActionRequired ? new StepAction { Type = "redirect", Url = "https://bank.example/sca" } : null,
        Error = outcome == StepOutcomes.Failed ? new StepError { Code = "REFUSED", Message = "no" } : null,
    };

    [Fact]
    public void The_session_status_follows_its_steps()
    {
        var session = NewSession();
        Assert.Equal(SessionStatus.Created, SessionLifecycle.Derive(session.Steps, 3));

        var one = NewStep(session, 1, StepStatus.AwaitingUploads);
        session.Steps.Add(one);
        Assert.Equal(SessionStatus.InProgress, SessionLifecycle.Derive(session.Steps, 3));

        one.Status = StepStatus.PendingVerification;
        Assert.Equal(SessionStatus.PendingVerification, SessionLifecycle.Derive(session.Steps, 3));

        one.Status = StepStatus.Completed;
        Assert.Equal(SessionStatus.InProgress, SessionLifecycle.Derive(session.Steps, 3));

        session.Steps.Add(NewStep(session, 2, StepStatus.Completed));
        session.Steps.Add(NewStep(session, 3, StepStatus.Completed));
        Assert.Equal(SessionStatus.Completed, SessionLifecycle.Derive(session.Steps, 3));

        session.Steps[1].Status = StepStatus.Failed;
        Assert.Equal(SessionStatus.Failed, SessionLifecycle.Derive(session.Steps, 3));
    }

    [Fact]
    public void Terminal_steps_never_change_and_the_same_outcome_twice_changes_nothing()
    {
        var session = NewSession();
        var step = NewStep(session, 1, StepStatus.Submitted);

        Assert.True(step.Apply(Outcome(step, StepOutcomes.ActionRequired), Now));
        Assert.Equal(StepStatus.ActionRequired, step.Status);
        Assert.False(step.Apply(Outcome(step, StepOutcomes.ActionRequired), Now));

        Assert.True(step.Apply(Outcome(step, StepOutcomes.Completed, """{"consent_id":"c1"}"""), Now.AddSeconds(1)));
        Assert.False(step.Apply(Outcome(step, StepOutcomes.Completed, """{"consent_id":"c1"}"""), Now.AddSeconds(2)));
        Assert.False(step.Apply(Outcome(step, StepOutcomes.Failed), Now.AddSeconds(3)));
        Assert.Equal(StepStatus.Completed, step.Status);
        Assert.Equal(Now.AddSeconds(1), step.UpdatedAt);
        Assert.Equal("c1", step.Result!.RootElement.GetProperty("consent_id").GetString());
    }

    [Fact]
    public void A_step_awaiting_uploads_takes_no_outcome_and_unknown_outcomes_are_ignored()
    {
        var session = NewSession();
        var step = NewStep(session, 1, StepStatus.AwaitingUploads);
        Assert.False(step.Apply(Outcome(step, StepOutcomes.Completed), Now));

        step.Status = StepStatus.Submitted;
        Assert.False(step.Apply(Outcome(step, "SOMETHING_ELSE"), Now));
        Assert.Equal(StepStatus.Submitted, step.Status);
    }

    [Fact]
    public void Terminal_sessions_never_change()
    {
        var session = NewSession();
        Assert.True(SessionLifecycle.Cancel(session, Now));
        Assert.Equal(SessionStatus.Cancelled, session.Status);

        session.Steps.Add(NewStep(session, 1, StepStatus.Completed));
        Assert.False(SessionLifecycle.Refresh(session, 1, Now));
        Assert.False(SessionLifecycle.Cancel(session, Now));
        Assert.False(SessionLifecycle.ExpireIfDue(session, Now.AddDays(1)));
        Assert.Equal(SessionStatus.Cancelled, session.Status);
    }

    [Fact]
    public void A_session_waiting_for_its_user_expires_with_its_nonce_but_not_while_a_connector_works()
    {
        var session = NewSession();
        var step = NewStep(session, 1, StepStatus.Submitted);
        session.Steps.Add(step);

        Assert.False(SessionLifecycle.ExpireIfDue(session, Now.AddMinutes(29)));
        Assert.False(SessionLifecycle.ExpireIfDue(session, Now.AddMinutes(31)));

        step.Status = StepStatus.AwaitingUploads;
        Assert.True(SessionLifecycle.ExpireIfDue(session, Now.AddMinutes(31)));
        Assert.Equal(SessionStatus.Expired, session.Status);
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Equal("SESSION_EXPIRED", step.ErrorCode);
    }

    [Fact]
    public void Cancelling_fails_the_unfinished_steps()
    {
        var session = NewSession();
        var done = NewStep(session, 1, StepStatus.Completed);
        var open = NewStep(session, 2, StepStatus.AwaitingUploads);
        session.Steps.AddRange([done, open]);

        SessionLifecycle.Cancel(session, Now);

        Assert.Equal(StepStatus.Completed, done.Status);
        Assert.Equal(StepStatus.Failed, open.Status);
        Assert.Equal("SESSION_CANCELLED", open.ErrorCode);
    }

    [Fact]
    public async Task Step_data_is_validated_against_the_schema_with_errors_per_field()
    {
        var schema = JsonDocument.Parse("""
            {"type":"object","properties":{"value":{"type":"string","pattern":"^[0-9]+$"},"currency":{"type":"string","enum":["EUR","RON"]},"period":{"type":"string"}},
             "required":["value","currency","period"],"additionalProperties":false}
            """).RootElement;
        var validator = new StepDataValidator();

        Assert.Empty(await validator.ValidateAsync(schema, JsonDocument.Parse("""{"value":"100000","currency":"EUR","period":"12"}""").RootElement));

        var errors = await validator.ValidateAsync(schema, JsonDocument.Parse("""{"value":"lots","currency":"USD","extra":1}""").RootElement);
        Assert.Equal(["data.currency", "data.extra", "data.period", "data.value"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("is required.", errors["data.period"]);
    }

    [Theory]
    [InlineData(new byte[] { 0x25, 0x50, 0x44, 0x46, 0x2D, 0x31 }, "application/pdf")]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0 }, "image/png")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, "image/jpeg")]
    [InlineData(new byte[] { 0x4D, 0x5A, 0x90, 0x00 }, null)]
    [InlineData(new byte[] { }, null)]
    public void Upload_types_are_recognised_by_their_first_bytes(byte[] head, string? expected) =>
        Assert.Equal(expected, FileTypes.Detect(head));
}
