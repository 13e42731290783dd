namespace Finqware.TenantService.Audit;

public static class AuditActions
{
    public const string ServicerCreated = "servicer.created";
    public const string UserAdded = "user.added";
    public const string UserRoleChanged = "user.role_changed";
    public const string UserRemoved = "user.removed";
    public const string TenantCreated = "tenant.created";
    public const string TenantDeleted = "tenant.deleted";
    public const string TenantSkillsChanged = "tenant.skills_changed";
    public const string TenantWebhookChanged = "tenant.webhook_url_changed";
    public const string TenantOriginsChanged = "tenant.allowed_origins_changed";
    public const string TenantRedirectUrisChanged = "tenant.redirect_uris_changed";
    public const string KeyRotated = "tenant.key_rotated";
    public const string KeyRevoked = "tenant.key_revoked";
}
