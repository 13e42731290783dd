namespace Finqware.SessionService.Connections;

public sealed record RefreshAccepted(string ConnectionId, Guid RequestId, string Status);
