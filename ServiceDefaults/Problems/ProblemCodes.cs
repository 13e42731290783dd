namespace Finqware.ServiceDefaults.Problems;

/// <summary>
/// Stable, generic problem codes. Features define their own, more specific codes (such as <c>NONCE_EXPIRED</c>);
/// these cover what the framework itself answers: unknown routes, wrong methods, unreadable bodies.
/// </summary>
public static class ProblemCodes
{
    public const string BadRequest = "BAD_REQUEST";
    public const string MalformedJson = "MALFORMED_JSON";
    public const string Unauthorized = "UNAUTHORIZED";
    public const string Forbidden = "FORBIDDEN";
    public const string NotFound = "NOT_FOUND";
    public const string RouteNotFound = "ROUTE_NOT_FOUND";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string Conflict = "CONFLICT";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string UriTooLong = "URI_TOO_LONG";
    public const string HeadersTooLarge = "HEADERS_TOO_LARGE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string ValidationFailed = "VALIDATION_FAILED";
    public const string RateLimited = "RATE_LIMITED";
    public const string InternalError = "INTERNAL_ERROR";
    public const string BadGateway = "BAD_GATEWAY";
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";
    public const string GatewayTimeout = "GATEWAY_TIMEOUT";

    /// <summary>Idempotency-Key (docs/api-conventions.md): not a valid key; used for another request; its first request still runs.</summary>
    public const string IdempotencyKeyInvalid = "IDEMPOTENCY_KEY_INVALID";
    public const string IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";
    public const string IdempotencyKeyInUse = "IDEMPOTENCY_KEY_IN_USE";

    /// <summary>The generic code for a status, used when a problem carries no code of its own.</summary>
    public static string ForStatus(int status) => status switch
    {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => Conflict,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => ValidationFailed,
        429 => RateLimited,
        502 => BadGateway,
        503 => ServiceUnavailable,
        504 => GatewayTimeout,
        >= 500 => InternalError,
        _ => "HTTP_" + status,
    };
}
