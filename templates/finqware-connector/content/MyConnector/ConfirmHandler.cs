using Finqware.SkillConnectors.Sdk;

namespace MyConnector;

/// <summary>Step "confirm": the applicant accepts the terms of the application the first step made.</summary>
public sealed class ConfirmHandler : IStepHandler
{
    public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (!step.Data.TryGetProperty("accept_terms", out var accepted) || !accepted.GetBoolean())
        {
            return Task.FromResult(StepOutcome.Failed("TERMS_NOT_ACCEPTED", "The terms must be accepted."));
        }

        var application = step.PreviousResult("details")?.GetProperty("application_id").GetString();
        return Task.FromResult(StepOutcome.Completed(new { ApplicationId = application, Status = "SIGNED_UP" }));
    }
}
