namespace Finqware.Gateway.Edge;

/// <summary>
/// The public API's routes as the edge sees them, by path and method only (the gateway does not parse what the services
/// own): which are limited, which a client app calls (and a browser may call: CORS), and which carry
/// the tenant's <c>client_id</c> in the body instead of a header.
/// </summary>
public static class EdgeRoutes
{
    /// <summary>The prefixes of the public API (docs/architecture.md, "Routes"): every answer on them carries the rate-limit headers.</summary>
    private static readonly string[] Limited =
        ["/skills", "/servicers", "/tenants", "/auth", "/oauth", "/sessions", "/steps", "/connections", "/accounts", "/transactions",
         "/payments", "/applications", "/usage", "/activity", "/graphql"];

    public static bool IsLimited(PathString path)
    {
        foreach (var prefix in Limited)
        {
            if (path.StartsWithSegments(prefix))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Token requests: limited by address (a client secret or a password is what they check).</summary>
    public static bool IsTokenRequest(PathString path) => path.StartsWithSegments("/oauth") || path.StartsWithSegments("/auth");

    /// <summary>
    /// The routes a tenant's client app calls with client-safe credentials: the catalog, opening a session, submitting its
    /// steps and uploads, reading its own session and step, following its events, cancelling it.
    /// </summary>
    public static bool IsClientRoute(string method, PathString path)
    {
        var read = method is "GET" or "HEAD";
        return Segments(path) switch
        {
            ["skills"] or ["skills", _] => read,
            ["sessions"] => method == "POST",
            ["sessions", "webhook-deliveries", ..] => false,
            ["sessions", _] => read,
            ["sessions", _, "steps" or "cancel"] => method == "POST",
            ["sessions", _, "events"] => read,
            ["sessions", _, "steps", _] => read,
            ["steps", _, "upload"] => method == "POST",
            _ => false,
        };
    }

    /// <summary>The public catalog: no tenant, no credentials, readable from any origin.</summary>
    public static bool IsCatalog(PathString path) => path.StartsWithSegments("/skills");

    /// <summary>The routes whose body names the tenant (<c>client_id</c>), as the seed shows them: open, submit, upload.</summary>
    public static bool HasClientIdInBody(string method, PathString path)
    {
        if (method != "POST")
        {
            return false;
        }

        var segments = Segments(path);
        return segments switch
        {
            ["sessions"] => true,
            ["sessions", _, "steps"] => true,
            ["steps", _, "upload"] => true,
            _ => false,
        };
    }

    /// <summary>The tenant a management request changes (<c>PATCH /tenants/{client_id}</c> and the like), else null.</summary>
    public static string? ChangedTenant(string method, PathString path) =>
        method is not ("GET" or "HEAD" or "OPTIONS") && Segments(path) is ["tenants", var clientId, ..] && clientId != "me" ? clientId : null;

    private static string[] Segments(PathString path) =>
        (path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
}
