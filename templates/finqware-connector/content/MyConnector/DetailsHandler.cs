using Finqware.SkillConnectors.Sdk;

namespace MyConnector;

/// <summary>Step "details": keeps the applicant's details, answers with an application id.</summary>
public sealed class DetailsHandler : IStepHandler
{
    public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        var email = step.DataString("email") ?? "";
        return Task.FromResult(email.EndsWith("@blocked.example", StringComparison.OrdinalIgnoreCase)
            ? StepOutcome.Failed("APPLICANT_REFUSED", "This applicant cannot sign up.")
            : StepOutcome.Completed(new { ApplicationId = $"app-{step.SessionId:N}", Name = step.DataString("name") }));
    }
}
