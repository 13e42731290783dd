namespace Finqware.TenantService.Tenants;

public static class KeyKinds
{
    public const string AppKey = "app_key";
    public const string Secret = "secret";
    public const string WebhookSecret = "webhook_secret";

    public static readonly string[] All = [AppKey, Secret, WebhookSecret];
}
