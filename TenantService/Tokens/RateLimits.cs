namespace Finqware.TenantService.Tokens;

public static class RateLimits
{
    public const string Login = "login";
    public const string OAuth = "oauth";
}
