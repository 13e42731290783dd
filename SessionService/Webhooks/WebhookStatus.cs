namespace Finqware.SessionService.Webhooks;

public static class WebhookStatus
{
    public const string Pending = "PENDING";
    public const string Delivered = "DELIVERED";
    public const string Failed = "FAILED";
}
