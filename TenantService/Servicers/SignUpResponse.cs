namespace Finqware.TenantService.Servicers;

public sealed record SignUpResponse(Guid ServicerId, Guid UserId);
