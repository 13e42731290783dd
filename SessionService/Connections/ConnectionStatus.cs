namespace Finqware.SessionService.Connections;

public static class ConnectionStatus
{
    public const string Active = "ACTIVE";
    public const string Expired = "EXPIRED";
    public const string Revoked = "REVOKED";

    public static readonly IReadOnlyList<string> All = [Active, Expired, Revoked];
}
