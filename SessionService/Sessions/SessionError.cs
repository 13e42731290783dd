namespace Finqware.SessionService.Sessions;

/// <summary>
/// Why the Sessions API refuses a request (opening, submitting, uploading, cancelling), in the domain's terms. Each case
/// has one problem document with a stable code (<see cref="SessionProblems.For"/>, the one place that maps them).
/// </summary>
public abstract record SessionError
{
    private SessionError()
    {
    }

    /// <summary>Required fields of the body are missing or blank.</summary>
    public sealed record MissingFields(IReadOnlyList<string> Fields) : SessionError;

    /// <summary>An upload's form fields are missing before its file (they must come first: the file is streamed).</summary>
    public sealed record MissingFieldsBeforeFile(IReadOnlyList<string> Fields) : SessionError;

    /// <summary>The client_id and client_app_key in the body do not match an active tenant.</summary>
    public sealed record InvalidClientCredentials : SessionError;

    public sealed record SkillNotRegistered(string Skill) : SessionError;

    /// <summary>No connector serves the skill now (or the catalog never announced it): retry later.</summary>
    public sealed record SkillUnavailable(string Skill) : SessionError;

    /// <summary>No such session for this tenant (another tenant's is the same).</summary>
    public sealed record SessionNotFound : SessionError;

    public sealed record StepNotFound : SessionError;

    /// <summary>The nonce is not one we signed for this session and tenant, or not its current one.</summary>
    public sealed record NonceInvalid : SessionError;

    public sealed record NonceExpired : SessionError;

    /// <summary>The nonce authorised a step already (also the loser of two submits racing with one nonce).</summary>
    public sealed record NonceAlreadyUsed : SessionError;

    /// <summary>The session has ended (<paramref name="Status"/> is terminal).</summary>
    public sealed record SessionClosed(string Status) : SessionError;

    public sealed record SkillMismatch(string SessionSkill, string RequestedSkill) : SessionError;

    public sealed record UnknownStep(string Skill, IReadOnlyList<string> Steps) : SessionError;

    /// <summary>Not the step the session expects; <paramref name="NextStep"/> is null when every step was submitted.</summary>
    public sealed record StepOutOfOrder(string? NextStep) : SessionError;

    public sealed record PreviousStepNotFinished(Guid SessionId, Guid StepId, string Step, string Status) : SessionError;

    /// <summary>The step's data does not match its data_schema; <paramref name="Errors"/> by field (data.currency).</summary>
    public sealed record InvalidStepData(IDictionary<string, string[]> Errors) : SessionError;

    public sealed record StepNotAwaitingUploads(string Status) : SessionError;

    public sealed record UnknownUploadKind(string Step, IReadOnlyList<string> Kinds) : SessionError;

    /// <summary>The document is larger than <paramref name="Limit"/> bytes.</summary>
    public sealed record UploadTooLarge(long Limit) : SessionError;

    /// <summary>The document's content (<paramref name="Detected"/>, null when not recognised) is not one the kind accepts.</summary>
    public sealed record UnsupportedUploadType(string Kind, IReadOnlyList<string> Accepted, string? Detected) : SessionError;
}
