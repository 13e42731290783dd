using System.ComponentModel.DataAnnotations;

namespace Finqware.TenantService.Tenants;

public sealed record UpdateSkillsRequest([property: Required, MaxLength(100), ItemsMaxLength(128)] IReadOnlyList<string>? Skills);
