namespace Finqware.SessionService.Sessions;

public sealed record SubmitStepResponse(Guid StepId, string Nonce, string Status, IReadOnlyList<string>? MissingUploads, DateTimeOffset ExpiresAt);
