namespace Finqware.TenantService.Tokens;

public sealed record JwksResponse(IReadOnlyList<System.Text.Json.JsonElement> Keys);
