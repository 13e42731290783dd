namespace Finqware.SessionService.Applications;

public static class ApplicationViews
{
    public static ApplicationView ToView(this ProductApplication a, Verification? verification) => new(
        a.ApplicationId, a.SessionId, a.Skill, a.Product, a.Status, a.Reason, a.Offer?.RootElement.Clone(),
        verification is not null
            ? new VerificationView(verification.Approved ? "APPROVED" : "REJECTED", verification.Reason, verification.DecidedAt)
            : a.Status == ApplicationStatus.VerificationPending ? new VerificationView("PENDING", null, null) : null,
        a.Contract?.RootElement.Clone(), a.CreatedAt, a.UpdatedAt);
}
