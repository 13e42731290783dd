namespace Finqware.SessionService.Access;

/// <summary>
/// Endpoint metadata: the route takes its credentials as fields of its body, as the seed shows them, and its workflow
/// checks them where the contract orders it (after the request's own validation and the 404 of another tenant's
/// session). The OpenAPI document lists them in the operation's <c>x-credentials</c> (<see cref="AccessOpenApi"/>).
/// </summary>
public sealed record BodyCredentials(string Scheme, IReadOnlyList<string> Fields)
{
    /// <summary><c>POST /sessions</c>: the client app's <c>client_id</c> and <c>client_app_key</c>.</summary>
    public static readonly BodyCredentials ClientAppKey = new(AccessSchemes.ClientAppKey, ["client_id", "client_app_key"]);

    /// <summary>A step's submit and upload: <c>client_id</c> and the session's current <c>nonce</c>.</summary>
    public static readonly BodyCredentials Nonce = new(AccessSchemes.Nonce, ["client_id", "nonce"]);
}
