namespace Finqware.TenantService.Tokens;

public sealed record OAuthTokenResponse(string AccessToken, string TokenType, int ExpiresIn, string Scope);
