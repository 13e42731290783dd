namespace Finqware.SessionService.Sessions;

public sealed record OpenSessionResponse(string Nonce, Guid SessionId, string Status, string? NextStep, DateTimeOffset ExpiresAt);
