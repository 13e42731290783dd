namespace Finqware.Gateway.Edge;

/// <summary>The classes of routes, each with its own budget (<see cref="RateLimitOptions"/>), named as in <c>RateLimit-Policy</c>.</summary>
public static class RouteClasses
{
    /// <summary>A tenant's client app (client_app_key or the session's nonce): per client_id.</summary>
    public const string Client = "client";

    /// <summary>A tenant's server (API token): per the token's tenant.</summary>
    public const string Server = "server";

    /// <summary>A servicer's user (portal token): per user.</summary>
    public const string Management = "management";

    /// <summary>No credential the edge can tie to a tenant or a user (sign-up, logins, token requests, the catalog): per client address.</summary>
    public const string Anonymous = "anonymous";

    public static readonly string[] All = [Client, Server, Management, Anonymous];
}

/// <summary>
/// Who a request is for, as far as the edge can tell before the service checks it: the route class, the key its budget is
/// counted under, and the tenant a client app names (<see cref="ClientId"/>, which decides CORS).
/// </summary>
public sealed record EdgeCaller(string Class, string Key, string? ClientId);
