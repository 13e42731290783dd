using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.SessionService.Access;

/// <summary>A refusal with its stable code; handlers turn it into an RFC 9457 problem.</summary>
public sealed record ApiError(int Status, string Code, string Title, string Detail, IDictionary<string, string[]>? Errors = null, int? RetryAfterSeconds = null)
{
    public ProblemHttpResult ToProblem(HttpContext http)
    {
        if (RetryAfterSeconds is { } seconds)
        {
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Errors is null
            ? ApiProblems.Create(Status, Code, Title, Detail)
            : ApiProblems.Validation(Errors, Code, Title, Detail, Status);
    }

    public static ApiError SessionNotFound() => new(404, "SESSION_NOT_FOUND", "No such session.",
        "Check the session_id returned by POST /sessions and that you use the credentials of the tenant that opened it.");

    public static ApiError StepNotFound() => new(404, "STEP_NOT_FOUND", "No such step.",
        "Use the step_id returned by POST /sessions/{session_id}/steps, with the client_id of the tenant that opened the session.");

    public static ApiError NonceInvalid() => new(401, "NONCE_INVALID", "The nonce is not valid for this session.",
        "Send the nonce returned by the last call on this session (POST /sessions or the last step), unchanged.");

    public static ApiError NonceExpired() => new(401, "NONCE_EXPIRED", "The nonce has expired.",
        "Nonces are valid for 30 minutes. Open a new session with POST /sessions.");

    public static ApiError NonceAlreadyUsed() => new(409, "NONCE_ALREADY_USED", "The nonce was already used.",
        "Each nonce authorises one step. Send the nonce returned by the last step of this session.");

    public static ApiError SessionClosed(string status) => new(409, "SESSION_CLOSED", "The session has ended.",
        $"The session is {status}; nothing more can be submitted to it. Open a new session with POST /sessions.");

    public static ApiError SkillUnavailable(string skill) => new(503, "SKILL_UNAVAILABLE", "The skill is not available right now.",
        $"No connector serves {skill} at the moment. Retry after the number of seconds in Retry-After.", RetryAfterSeconds: 10);

    public static ApiError Unauthenticated() => new(401, "UNAUTHORIZED", "Credentials are required.",
        "From your server send Authorization: Bearer <token from POST /oauth/token>; from your client app send HTTP Basic client_id:client_app_key.");
}
