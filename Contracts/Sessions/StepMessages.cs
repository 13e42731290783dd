using System.Text.Json;

namespace Finqware.Contracts.Sessions;

/// <summary>Process one step of a session: sent by SessionService to the skill's queue.</summary>
public sealed record ProcessStep
{
    public required Guid SessionId { get; init; }

    /// <summary>Unique per step: connectors and SessionService deduplicate on it.</summary>
    public required Guid StepId { get; init; }

    /// <summary>The tenant the session belongs to.</summary>
    public required string ClientId { get; init; }

    public required string Skill { get; init; }

    public required string Step { get; init; }

    /// <summary>1 for the first step of the session.</summary>
    public required int StepNumber { get; init; }

    /// <summary>The step's data, already validated against its schema.</summary>
    public required JsonElement Data { get; init; }

    public IReadOnlyList<AttachmentDescriptor> Attachments { get; init; } = [];

    /// <summary>Results of the session's earlier steps, by step name (a later step often needs them).</summary>
    public IReadOnlyDictionary<string, JsonElement> PreviousResults { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>
    /// A short-lived grant to read this step's <see cref="Attachments"/> and no other document: sent as
    /// <c>Authorization: Bearer</c> to SessionService's <c>GET /internal/attachments/{attachment_id}</c> (the SDK's
    /// attachment reader does it). Set when the step has attachments; null otherwise, and from a SessionService
    /// before 1.1.0.
    /// </summary>
    public string? AttachmentGrant { get; init; }
}

/// <summary>An uploaded document; connectors read its bytes from SessionService over HTTP, never through the broker.</summary>
public sealed record AttachmentDescriptor
{
    public required Guid AttachmentId { get; init; }

    public required string Kind { get; init; }

    public required string ContentType { get; init; }

    public required long Size { get; init; }

    public required string Sha256 { get; init; }
}

/// <summary>The outcome of a step, published by its connector (more than one may come for an async step).</summary>
public sealed record StepProcessed
{
    public required Guid SessionId { get; init; }

    public required Guid StepId { get; init; }

    public required string Skill { get; init; }

    public required string Step { get; init; }

    /// <summary>COMPLETED, FAILED, ACTION_REQUIRED or PENDING_VERIFICATION.</summary>
    public required string Outcome { get; init; }

    public JsonElement? Result { get; init; }

    public StepAction? Action { get; init; }

    public StepError? Error { get; init; }

    public required DateTimeOffset ProcessedAt { get; init; }
}

public static class StepOutcomes
{
    public const string Completed = "COMPLETED";
    public const string Failed = "FAILED";
    public const string ActionRequired = "ACTION_REQUIRED";
    public const string PendingVerification = "PENDING_VERIFICATION";
}

/// <summary>What the user must do: follow a redirect to the bank, or approve in the bank's app (decoupled).</summary>
public sealed record StepAction
{
    /// <summary>redirect or decoupled.</summary>
    public required string Type { get; init; }

    public string? Url { get; init; }

    public string? Instruction { get; init; }
}

public sealed record StepError
{
    /// <summary>A stable UPPER_SNAKE code, e.g. INVALID_CREDENTIALS, INSUFFICIENT_FUNDS.</summary>
    public required string Code { get; init; }

    public required string Message { get; init; }
}

/// <summary>
/// The session was cancelled (<c>POST /sessions/{id}/cancel</c>) while some of its steps were with the connector: sent by
/// SessionService to the skill's queue, with the cancel. SessionService has already failed those steps with
/// <c>SESSION_CANCELLED</c> and ignores later outcomes for them; the connector stops following them up, undoes at the
/// bank what it can (an SCA in progress, a consent not yet used), and does not run a listed step that reaches it later.
/// Idempotent by <see cref="SessionId"/>. A connector on SDK 1.0.0 has no consumer for it: it lands in its queue's
/// <c>_skipped</c> queue.
/// </summary>
public sealed record CancelSession
{
    public required Guid SessionId { get; init; }

    public required string ClientId { get; init; }

    public required string Skill { get; init; }

    /// <summary>The session's steps that were with the connector (sent, or waiting for the user or the bank).</summary>
    public required IReadOnlyList<CancelledStep> Steps { get; init; }

    public required DateTimeOffset CancelledAt { get; init; }
}

/// <summary>A step of a cancelled session: its id and its name in the skill's manifest.</summary>
public sealed record CancelledStep
{
    public required Guid StepId { get; init; }

    public required string Step { get; init; }
}
