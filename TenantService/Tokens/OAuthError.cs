namespace Finqware.TenantService.Tokens;

public sealed record OAuthError(string Error, string ErrorDescription, string Code, string? TraceId);
