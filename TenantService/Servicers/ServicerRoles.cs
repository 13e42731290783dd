namespace Finqware.TenantService.Servicers;

/// <summary>
/// The roles of a servicer's users (docs/tenants.md has the table of what each may do): an admin manages users,
/// credentials and the audit log; a developer configures tenant apps (creates them, their skills and webhook URL);
/// a viewer reads.
/// </summary>
public static class ServicerRoles
{
    public const string Admin = "admin";
    public const string Developer = "developer";
    public const string Viewer = "viewer";

    public static readonly string[] All = [Admin, Developer, Viewer];

    public static bool IsRole(string? role) => role is Admin or Developer or Viewer;
}
