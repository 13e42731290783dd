namespace Finqware.SessionService.Applications;

public static class ApplicationStatus
{
    public const string VerificationPending = "VERIFICATION_PENDING";
}
