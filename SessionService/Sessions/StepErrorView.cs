namespace Finqware.SessionService.Sessions;

public sealed record StepErrorView(string Code, string? Message);
