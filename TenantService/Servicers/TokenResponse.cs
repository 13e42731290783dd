namespace Finqware.TenantService.Servicers;

public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);
