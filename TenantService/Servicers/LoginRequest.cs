using System.ComponentModel.DataAnnotations;

namespace Finqware.TenantService.Servicers;

public sealed record LoginRequest([property: Required, MaxLength(254)] string? Email, [property: Required, MaxLength(256)] string? Password);
