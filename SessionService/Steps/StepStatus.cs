using Finqware.Contracts.Sessions;

namespace Finqware.SessionService.Steps;

/// <summary>Step statuses (docs/sessions.md, "Follow the step"). COMPLETED and FAILED are terminal.</summary>
public static class StepStatus
{
    public const string AwaitingUploads = "AWAITING_UPLOADS";
    public const string Submitted = "SUBMITTED";
    public const string Processing = "PROCESSING";
    public const string ActionRequired = "ACTION_REQUIRED";
    public const string PendingVerification = "PENDING_VERIFICATION";
    public const string Completed = "COMPLETED";
    public const string Failed = "FAILED";

    public static bool IsTerminal(string status) => status is Completed or Failed;

    /// <summary>The step is with its connector or the bank; the session must not expire under it.</summary>
    public static bool IsWithConnector(string status) => status is Submitted or Processing or ActionRequired or PendingVerification;

    /// <summary>What a connector may report in <see cref="StepProcessed.Outcome"/>.</summary>
    public static bool IsOutcome(string outcome) => outcome is Completed or Failed or ActionRequired or PendingVerification;
}
