namespace Finqware.TenantService.Tokens;

public static class AuthPolicies
{
    /// <summary>Servicer users with a portal token (audience finqware-portal).</summary>
    public const string Portal = "portal";

    /// <summary>Tenant servers with an API token from POST /oauth/token (audience finqware-api).</summary>
    public const string Api = "api";
}
