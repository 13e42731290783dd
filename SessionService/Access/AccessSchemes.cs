namespace Finqware.SessionService.Access;

/// <summary>
/// How a SessionService caller proves who it is. The names are the security schemes of the service's OpenAPI document
/// (<see cref="AccessOpenApi"/>), where the public contract picks them up.
/// </summary>
public static class AccessSchemes
{
    /// <summary>A tenant's client app: HTTP Basic <c>client_id:client_app_key</c> (<see cref="ClientAppKeyHandler"/>).</summary>
    public const string ClientAppKey = "clientAppKey";

    /// <summary>A tenant's server: <c>Authorization: Bearer</c> with an API token from <c>POST /oauth/token</c> (<see cref="ApiTokenHandler"/>).</summary>
    public const string ApiToken = "apiToken";

    /// <summary>
    /// A client app during a session: <c>client_id</c> and the session's current <c>nonce</c> as fields of the body
    /// (JSON or multipart), checked by the session's workflow (<c>Nonces/SessionNonces</c>) since the nonce is
    /// single-use state of the session. OpenAPI has no body location for credentials, so the document names it in
    /// <c>x-credentials</c> rather than in <c>securitySchemes</c>.
    /// </summary>
    public const string Nonce = "nonce";
}
