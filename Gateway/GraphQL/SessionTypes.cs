namespace Finqware.Gateway.GraphQL;

/// <summary>An onboarding session, as <c>GET /sessions/{session_id}</c> returns it to its reader.</summary>
public sealed class SessionType : RestObjectType
{
    public SessionType()
        : base("Session", "An onboarding session and its steps (GET /sessions/{session_id}).")
    {
        Id("session_id", "The session's id.");
        Text("client_id", "The tenant that opened it.", required: true);
        Text("skill", "The skill id it runs.", required: true);
        Text("status", "SESSION_CREATED, IN_PROGRESS, PENDING_VERIFICATION, COMPLETED, FAILED, EXPIRED or CANCELLED.", required: true);
        Text("next_step", "The step the session expects next, or null.");
        Text("created_at", "ISO-8601 UTC timestamp.");
        Text("updated_at", "ISO-8601 UTC timestamp.");
        Text("expires_at", "ISO-8601 UTC timestamp.");
        ListOf<StepType>("steps", "The submitted steps, in order.");
    }
}

public sealed class StepType : RestObjectType
{
    public StepType()
        : base("Step", "A submitted step (GET /sessions/{session_id}/steps/{step_id}).")
    {
        Id("step_id", "The step's id.");
        Text("step", "The step name.", required: true);
        Integer("number", "Its position in the session, from 1.");
        Text("status", "AWAITING_UPLOADS, SUBMITTED, PROCESSING, ACTION_REQUIRED, PENDING_VERIFICATION, COMPLETED or FAILED.", required: true);
        Json("action", "What the user must do next (redirect URL or decoupled instruction), while ACTION_REQUIRED.");
        Json("result", "The connector's result once COMPLETED (API token readers only).");
        Object<StepErrorType>("error", "Why the step FAILED.");
        ListOf<AttachmentType>("attachments", "Uploaded documents.");
        Texts("missing_uploads", "Document kinds still missing, while AWAITING_UPLOADS.");
        Text("created_at", "ISO-8601 UTC timestamp.");
        Text("updated_at", "ISO-8601 UTC timestamp.");
    }
}

public sealed class StepErrorType : RestObjectType
{
    public StepErrorType()
        : base("StepError", "Why a step failed.")
    {
        Text("code", "Stable UPPER_SNAKE code.", required: true);
        Text("message", "Explanation (API token readers only).");
    }
}

public sealed class AttachmentType : RestObjectType
{
    public AttachmentType()
        : base("Attachment", "A document uploaded to a step.")
    {
        Id("attachment_id", "The attachment's id.");
        Text("kind", "What the document is.", required: true);
        Text("content_type", "Its content type, checked by magic bytes.");
        Long("size", "Size in bytes.");
        Text("sha256", "SHA-256 of the content, hex.");
    }
}
