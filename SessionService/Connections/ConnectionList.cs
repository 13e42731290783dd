namespace Finqware.SessionService.Connections;

public sealed record ConnectionList(IReadOnlyList<ConnectionView> Connections);
