using Finqware.SessionService.Sessions;
using Finqware.SessionService.Steps;

namespace Finqware.SessionService.Tests;

/// <summary>The copies of submitted sessions the StepProcessed consumer may apply an outcome to (the write still checks them).</summary>
public sealed class SubmittedStepsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_copy_is_taken_once_for_its_own_session_and_step()
    {
        using var submitted = new SubmittedSteps();
        var (session, step) = Submitted();
        submitted.Remember(session, step);

        Assert.Null(submitted.Take(Guid.NewGuid(), step.Id));
        Assert.Null(submitted.Take(session.Id, step.Id));

        submitted.Remember(session, step);
        var copy = submitted.Take(session.Id, step.Id);
        Assert.NotNull(copy);
        Assert.Null(submitted.Take(session.Id, step.Id));
        Assert.Equal((session.Id, session.Status, session.UpdatedAt, session.CurrentNonceId, session.NextSeq), (copy.Id, copy.Status, copy.UpdatedAt, copy.CurrentNonceId, copy.NextSeq));
        Assert.Equal(session.Steps.Select(s => (s.Id, s.Status, s.UpdatedAt)), copy.Steps.Select(s => (s.Id, s.Status, s.UpdatedAt)));
    }

    [Fact]
    public void The_copy_is_the_consumers_to_change_and_the_submits_objects_stay_as_they_are()
    {
        using var submitted = new SubmittedSteps();
        var (session, step) = Submitted();
        submitted.Remember(session, step);

        var copy = submitted.Take(session.Id, step.Id)!;
        copy.Status = SessionStatus.Completed;
        copy.Steps.Single(s => s.Id == step.Id).Status = StepStatus.Completed;
        copy.Steps.Clear();

        Assert.Equal((SessionStatus.InProgress, StepStatus.Submitted, 2), (session.Status, step.Status, session.Steps.Count));
    }

    [Fact]
    public void At_most_capacity_copies_are_kept()
    {
        using var submitted = new SubmittedSteps();
        for (var i = 0; i < SubmittedSteps.Capacity + 500; i++)
        {
            var (session, step) = Submitted();
            submitted.Remember(session, step);
        }

        Assert.InRange(submitted.Count, 1, SubmittedSteps.Capacity);
    }

    private static (Session Session, Step Step) Submitted()
    {
        var sessionId = Guid.NewGuid();
        Step NewStep(int number, string status) => new()
        {
            Id = Guid.NewGuid(), SessionId = sessionId, Number = number, Name = $"step{number}", Status = status,
            Data = JsonDocument.Parse("{}"), CreatedAt = Now, UpdatedAt = Now,
        };
        var step = NewStep(2, StepStatus.Submitted);
        var session = new Session
        {
            Id = sessionId, ClientId = "fqc_a", Skill = TestSkills.Deposit, Status = SessionStatus.InProgress, CreatedAt = Now, UpdatedAt = Now,
            ExpiresAt = Now.AddMinutes(30), NextSeq = 3, CurrentNonceId = "n-3", Steps = [NewStep(1, StepStatus.Completed), step],
        };
        return (session, step);
    }
}
