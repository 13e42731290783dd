namespace Finqware.SessionService.Access;

/// <summary>Who may call a route group; each route group of the API names one (see docs/architecture.md).</summary>
public static class AccessPolicies
{
    /// <summary>The tenant's client app (its app key: statuses only) or its server (its API token: everything).</summary>
    public const string ClientAppOrServer = "clientAppOrServer";

    /// <summary>The tenant's server only (its API token): results, consented data, webhook deliveries.</summary>
    public const string Server = "server";
}
