namespace Finqware.SessionService.Steps;

/// <summary>One step of a session: the data the user submitted and what the skill's connector made of it.</summary>
public sealed class Step
{
    public required Guid Id { get; init; }

    public required Guid SessionId { get; init; }

    /// <summary>1 for the first step; unique per session, which makes each nonce single-use.</summary>
    public required int Seq { get; init; }

    public required string Name { get; init; }

    /// <summary>AWAITING_UPLOADS, SUBMITTED, PROCESSING, ACTION_REQUIRED, PENDING_VERIFICATION, COMPLETED or FAILED.</summary>
    public required string Status { get; set; }

    public required string Data { get; init; }

    public string? Result { get; set; }

    public string? Action { get; set; }

    public string? Error { get; set; }

    /// <summary>The identifier of the nonce that submitted the step.</summary>
    public required string NonceId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; set; }

    public bool IsTerminal => Status is StepStatus.Completed or StepStatus.Failed;
}

public static class StepStatus
{
    public const string AwaitingUploads = "AWAITING_UPLOADS";
    public const string Submitted = "SUBMITTED";
    public const string Processing = "PROCESSING";
    public const string ActionRequired = "ACTION_REQUIRED";
    public const string PendingVerification = "PENDING_VERIFICATION";
    public const string Completed = "COMPLETED";
    public const string Failed = "FAILED";
}
