using System.ComponentModel.DataAnnotations;

namespace Finqware.TenantService.Servicers;

public sealed record AddUserRequest(
    [property: Required, MaxLength(254)] string? Email,
    [property: Required, MinLength(ServicersApi.MinPasswordLength), MaxLength(256)] string? Password,
    [property: Required, AllowedValues(ServicerRoles.Admin, ServicerRoles.Developer, ServicerRoles.Viewer)] string? Role);
