using Finqware.SessionService.Access;

namespace Finqware.SessionService.Connections;

/// <summary>The data APIs' refusals, each with its stable code.</summary>
public static class DataErrors
{
    public static ApiError ServerOnly() => new(401, "UNAUTHORIZED", "An API token is required.",
        "The data your users consented to is read by your server only: send Authorization: Bearer <token from POST /oauth/token>.");

    public static ApiError ConnectionNotFound() => new(404, "CONNECTION_NOT_FOUND", "No such connection.",
        "Use the connection_id of a completed consent step (its result) or of GET /connections, with your tenant's token.");

    public static ApiError AccountNotFound() => new(404, "ACCOUNT_NOT_FOUND", "No such account.",
        "Use an account_id of GET /accounts or of the consent step's result, with your tenant's token.");

    public static ApiError PaymentNotFound() => new(404, "PAYMENT_NOT_FOUND", "No such payment.",
        "Use the payment_id of a payment step's result, with your tenant's token.");

    public static ApiError ApplicationNotFound() => new(404, "APPLICATION_NOT_FOUND", "No such application.",
        "Use the application_id of a marketplace step's result, with your tenant's token.");

    public static ApiError Revoked() => new(403, "CONNECTION_REVOKED", "The connection was revoked.",
        "The user's consent was revoked (DELETE /connections/{connection_id}); its data can no longer be read. Open a new AISP session for a new consent.");

    public static ApiError Expired() => new(403, "CONNECTION_EXPIRED", "The connection has expired.",
        "The consent passed its valid_until; its data can no longer be read. Open a new AISP session for a new consent.");

    public static ApiError InvalidCursor() => new(400, "INVALID_CURSOR", "The cursor is not valid here.",
        "Send a cursor exactly as the previous response returned it, to the same endpoint and for the same account or connection; or none to start over.");

    public static ApiError Invalid(string field, string message, string code = "VALIDATION_FAILED") =>
        new(422, code, "The request is not valid.", "Correct the fields listed in errors and send the request again.",
            new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>403 for a connection whose data may not be read (revoked or expired), else null.</summary>
    public static ApiError? Unreadable(Connection connection, DateTimeOffset now) => connection.EffectiveStatus(now) switch
    {
        ConnectionStatus.Revoked => Revoked(),
        ConnectionStatus.Expired => Expired(),
        _ => null,
    };
}
