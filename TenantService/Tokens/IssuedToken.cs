namespace Finqware.TenantService.Tokens;

public sealed record IssuedToken(string AccessToken, int ExpiresIn);
