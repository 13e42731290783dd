using System.ComponentModel.DataAnnotations;

namespace Finqware.TenantService.Servicers;

public sealed record SignUpRequest(
    [property: Required, MaxLength(200)] string? Name,
    [property: Required, AllowedValues("bank", "insurer", "fintech")] string? Kind,
    [property: Required, MaxLength(254)] string? Email,
    [property: Required, MinLength(ServicersApi.MinPasswordLength), MaxLength(256)] string? Password);
