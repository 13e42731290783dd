using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.SessionService.Access;

/// <summary>The Sessions API's refusals that more than one endpoint gives, each with its stable code (see docs/sessions.md).</summary>
public static class SessionProblems
{
    /// <summary>What a client waits before retrying a skill nobody serves (the connectors' heartbeat interval is shorter).</summary>
    public static readonly TimeSpan SkillRetryAfter = TimeSpan.FromSeconds(10);

    public static ProblemHttpResult SessionNotFound() => ApiProblems.NotFound("SESSION_NOT_FOUND", "No such session.",
        "Check the session_id returned by POST /sessions and that you use the credentials of the tenant that opened it.");

    public static ProblemHttpResult StepNotFound() => ApiProblems.NotFound("STEP_NOT_FOUND", "No such step.",
        "Use the step_id returned by POST /sessions/{session_id}/steps, with the client_id of the tenant that opened the session.");

    public static ProblemHttpResult NonceInvalid() => ApiProblems.Unauthorized("NONCE_INVALID", "The nonce is not valid for this session.",
        "Send the nonce returned by the last call on this session (POST /sessions or the last step), unchanged.");

    public static ProblemHttpResult NonceExpired() => ApiProblems.Unauthorized("NONCE_EXPIRED", "The nonce has expired.",
        "Nonces are valid for 30 minutes. Open a new session with POST /sessions.");

    public static ProblemHttpResult NonceAlreadyUsed() => ApiProblems.Conflict("NONCE_ALREADY_USED", "The nonce was already used.",
        "Each nonce authorises one step. Send the nonce returned by the last step of this session.");

    public static ProblemHttpResult SessionClosed(string status) => ApiProblems.Conflict("SESSION_CLOSED", "The session has ended.",
        $"The session is {status}; nothing more can be submitted to it. Open a new session with POST /sessions.");

    public static ProblemHttpResult SkillUnavailable(string skill) => ApiProblems.Unavailable("SKILL_UNAVAILABLE", "The skill is not available right now.",
        $"No connector serves {skill} at the moment. Retry after the number of seconds in Retry-After.", SkillRetryAfter);

    public static ProblemHttpResult Unauthenticated() => ApiProblems.Unauthorized(ProblemCodes.Unauthorized, "Credentials are required.",
        "From your server send Authorization: Bearer <token from POST /oauth/token>; from your client app send HTTP Basic client_id:client_app_key.");

    /// <summary>A 422 VALIDATION_FAILED naming the fields that are missing.</summary>
    public static ProblemHttpResult Missing(IEnumerable<string> fields, string title = "Required fields are missing.", string detail = "Send every field listed in errors.", string message = "is required.") =>
        ApiProblems.Validation(fields.ToDictionary(f => f, _ => new[] { message }), ProblemCodes.ValidationFailed, title, detail);
}
