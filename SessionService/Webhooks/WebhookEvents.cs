namespace Finqware.SessionService.Webhooks;

public static class WebhookEvents
{
    public const string StepCompleted = "STEP_COMPLETED";
    public const string StepActionRequired = "STEP_ACTION_REQUIRED";
    public const string SessionCompleted = "SESSION_COMPLETED";
    public const string SessionFailed = "SESSION_FAILED";
    public const string ConnectionExpiring = "CONNECTION_EXPIRING";
    public const string TransactionsUpdated = "TRANSACTIONS_UPDATED";
    public const string PaymentStatusChanged = "PAYMENT_STATUS_CHANGED";
}
