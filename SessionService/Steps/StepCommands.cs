using Finqware.Contracts.Sessions;
using Finqware.SessionService.Sessions;

namespace Finqware.SessionService.Steps;

/// <summary>What SessionService sends a skill's connector about a step.</summary>
public static class StepCommands
{
    /// <summary>
    /// The command that has the skill's connector run <paramref name="step"/>, with its documents' descriptions and the
    /// results of the steps before it. Sent when the step is ready: at its submit, or at the upload that completes it.
    /// </summary>
    public static ProcessStep ProcessStep(Session session, Step step)
    {
        var previous = session.Steps
            .Where(s => s.Number < step.Number && s.Result is not null)
            .ToDictionary(s => s.Name, s => s.Result!.RootElement.Clone());
        return new ProcessStep
        {
            SessionId = session.Id,
            StepId = step.Id,
            ClientId = session.ClientId,
            Skill = session.Skill,
            Step = step.Name,
            StepNumber = step.Number,
            Data = step.Data.RootElement.Clone(),
            Attachments = [.. step.Attachments.OrderBy(a => a.CreatedAt).Select(a => new AttachmentDescriptor
            {
                AttachmentId = a.Id,
                Kind = a.Kind,
                ContentType = a.ContentType,
                Size = a.Size,
                Sha256 = a.Sha256,
            })],
            PreviousResults = previous,
        };
    }
}
