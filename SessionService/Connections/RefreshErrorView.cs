namespace Finqware.SessionService.Connections;

public sealed record RefreshErrorView(string Code, string Message, DateTimeOffset At);
