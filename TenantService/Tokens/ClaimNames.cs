using System.Security.Claims;

namespace Finqware.TenantService.Tokens;

public static class ClaimNames
{
    public const string ClientId = "client_id";
    public const string Servicer = "servicer";
    public const string Environment = "environment";
    public const string Scope = "scope";
    public const string Role = "role";

    public static Guid? ServicerOf(ClaimsPrincipal user) => Guid.TryParse(user.FindFirst(Servicer)?.Value, out var id) ? id : null;
}
