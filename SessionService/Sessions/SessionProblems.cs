using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.SessionService.Sessions;

/// <summary>
/// The one place the Sessions API's refusals (<see cref="SessionError"/>) become problem documents: status, stable code
/// (docs/sessions.md lists them), title and what to do next.
/// </summary>
public static class SessionProblems
{
    /// <summary>What a client waits before retrying a skill nobody serves (the connectors' heartbeat interval is shorter).</summary>
    public static readonly TimeSpan SkillRetryAfter = TimeSpan.FromSeconds(10);

    public static ProblemHttpResult For(SessionError error) => error switch
    {
        SessionError.MissingFields e => Missing(e.Fields, "Required fields are missing.", "Send every field listed in errors.", "is required."),
        SessionError.MissingFieldsBeforeFile e => Missing(e.Fields, "Fields are missing before the file.",
            "Send client_id, nonce and kind as form fields before the file field.", "is required before file."),
        SessionError.InvalidClientCredentials => ApiProblems.Create(401, "INVALID_CLIENT_CREDENTIALS", "The client_id and client_app_key do not match an active tenant.",
            "Use the client_id and client_app_key shown when the tenant was registered (or the rotated key)."),
        SessionError.SkillNotRegistered e => ApiProblems.Create(403, "SKILL_NOT_REGISTERED", "The tenant has not registered this skill.",
            $"Register {e.Skill} for your tenant (PUT /tenants/{{client_id}}/skills) before opening sessions with it."),
        SessionError.SkillUnavailable e => ApiProblems.Unavailable("SKILL_UNAVAILABLE", "The skill is not available right now.",
            $"No connector serves {e.Skill} at the moment. Retry after the number of seconds in Retry-After.", SkillRetryAfter),
        SessionError.SessionNotFound => ApiProblems.NotFound("SESSION_NOT_FOUND", "No such session.",
            "Check the session_id returned by POST /sessions and that you use the credentials of the tenant that opened it."),
        SessionError.StepNotFound => ApiProblems.NotFound("STEP_NOT_FOUND", "No such step.",
            "Use the step_id returned by POST /sessions/{session_id}/steps, with the client_id of the tenant that opened the session."),
        SessionError.NonceInvalid => ApiProblems.Unauthorized("NONCE_INVALID", "The nonce is not valid for this session.",
            "Send the nonce returned by the last call on this session (POST /sessions or the last step), unchanged."),
        SessionError.NonceExpired => ApiProblems.Unauthorized("NONCE_EXPIRED", "The nonce has expired.",
            "Nonces are valid for 30 minutes. Open a new session with POST /sessions."),
        SessionError.NonceAlreadyUsed => ApiProblems.Conflict("NONCE_ALREADY_USED", "The nonce was already used.",
            "Each nonce authorises one step. Send the nonce returned by the last step of this session."),
        SessionError.SessionClosed e => ApiProblems.Conflict("SESSION_CLOSED", "The session has ended.",
            $"The session is {e.Status}; nothing more can be submitted to it. Open a new session with POST /sessions."),
        SessionError.SkillMismatch e => ApiProblems.Create(422, "SKILL_MISMATCH", "The skill does not match the session's.",
            $"This session runs {e.SessionSkill}; send that skill, or open a new session for {e.RequestedSkill}."),
        SessionError.UnknownStep e => ApiProblems.Create(422, "UNKNOWN_STEP", "The skill has no such step.",
            $"{e.Skill} has the steps {string.Join(", ", e.Steps)} (GET /skills/{{skill_id}})."),
        SessionError.StepOutOfOrder e => ApiProblems.Create(409, "STEP_OUT_OF_ORDER", "Steps run in the skill's order.",
            $"In this session {(e.NextStep is null ? "every step has been submitted" : $"the next step is {e.NextStep}")}."),
        SessionError.PreviousStepNotFinished e => ApiProblems.Create(409, "PREVIOUS_STEP_NOT_FINISHED", "The previous step has not completed yet.",
            $"Step {e.Step} is {e.Status}. Wait for it (GET /sessions/{e.SessionId}/steps/{e.StepId}?wait=30) and then submit this step."),
        SessionError.InvalidStepData e => ApiProblems.Validation(e.Errors, ProblemCodes.ValidationFailed, "The step's data is not valid.",
            "Correct the fields listed in errors; the step's data_schema is in GET /skills/{skill_id}. The nonce was not used."),
        SessionError.StepNotAwaitingUploads e => ApiProblems.Create(409, "STEP_NOT_AWAITING_UPLOADS", "This step takes no more uploads.",
            $"The step is {e.Status}; uploads are accepted while it is AWAITING_UPLOADS."),
        SessionError.UnknownUploadKind e => ApiProblems.Validation(
            new Dictionary<string, string[]> { ["kind"] = ["is not one of " + string.Join(", ", e.Kinds)] },
            "UNKNOWN_UPLOAD_KIND", "This step does not take that kind of document.", $"Step {e.Step} takes: {string.Join(", ", e.Kinds)}."),
        SessionError.UploadTooLarge e => ApiProblems.Create(413, "UPLOAD_TOO_LARGE", "The document is too large.",
            $"Documents of this kind may be at most {e.Limit} bytes. Send a smaller file (compress or scan at a lower resolution)."),
        SessionError.UnsupportedUploadType e => ApiProblems.Create(415, "UNSUPPORTED_UPLOAD_TYPE", "The document's type is not accepted for this kind.",
            $"{e.Kind} accepts {string.Join(", ", e.Accepted)}; the file's content is {e.Detected ?? "not a recognised document type"}."),
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, "A refusal without a problem document."),
    };

    /// <summary>A 422 VALIDATION_FAILED naming the fields that are missing.</summary>
    private static ProblemHttpResult Missing(IEnumerable<string> fields, string title, string detail, string message) =>
        ApiProblems.Validation(fields.ToDictionary(f => f, _ => new[] { message }), ProblemCodes.ValidationFailed, title, detail);
}
