using System.ComponentModel.DataAnnotations;

namespace Finqware.TenantService.Servicers;

public sealed record ChangeRoleRequest([property: Required, AllowedValues(ServicerRoles.Admin, ServicerRoles.Developer, ServicerRoles.Viewer)] string? Role);
