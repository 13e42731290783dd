using System.Text.Json;
using Finqware.Contracts.Sessions;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>One step of one skill: what a skill provider writes.</summary>
public interface IStepHandler
{
    Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken);
}

/// <summary>
/// A handler whose step is decided later (decoupled SCA approved in the bank app, offline verification, a payment that
/// moves through its statuses): when an outcome asks for it with <see cref="StepOutcome.ThenFollowUp"/>, the SDK calls
/// <see cref="FollowUpAsync"/> once the delay has passed, on whichever instance is free, even after a restart.
/// </summary>
public interface IStepFollowUp
{
    /// <summary>
    /// Returns the step's next outcome (which may ask for another follow-up), or null to keep the current one (data
    /// events published with <see cref="StepContext.Publish{T}"/> still go out). <paramref name="state"/> is what the
    /// previous outcome passed to <see cref="StepOutcome.ThenFollowUp"/>; <see cref="StepContext.CurrentOutcome"/> is the
    /// outcome published so far.
    /// </summary>
    Task<StepOutcome?> FollowUpAsync(StepContext step, JsonElement? state, CancellationToken cancellationToken);
}

/// <summary>
/// A handler that undoes at the bank what its step started (an authorisation in progress, a consent not yet used, a
/// payment not yet executed) when the user's session is cancelled while the step is with the connector. The SDK calls
/// <see cref="CancelAsync"/> once the step is locked, stops its follow-ups and stores it as failed; a connector that
/// stops before that commits is called again for it, so make it idempotent (undoing twice is not an error).
/// </summary>
public interface IStepCancellation
{
    /// <summary><see cref="StepContext.CurrentOutcome"/> is the outcome published so far (null while the step first runs).</summary>
    Task CancelAsync(StepContext step, CancellationToken cancellationToken);
}

/// <summary>What a handler gets: the step's data, its attachments, and a way to publish data events.</summary>
public sealed class StepContext(ProcessStep command, IAttachmentReader attachments)
{
    private readonly List<object> events = [];

    public ProcessStep Command { get; } = command;

    public Guid SessionId => Command.SessionId;

    public Guid StepId => Command.StepId;

    public string ClientId => Command.ClientId;

    public string Skill => Command.Skill;

    public string Step => Command.Step;

    public int StepNumber => Command.StepNumber;

    public JsonElement Data => Command.Data;

    public IReadOnlyList<AttachmentDescriptor> Attachments => Command.Attachments;

    /// <summary>In a follow-up or an update: the outcome published so far (null while the step first runs).</summary>
    public StepProcessed? CurrentOutcome { get; init; }

    /// <summary>Events the handler published, sent with the step's outcome once the handler returns.</summary>
    public IReadOnlyList<object> PublishedEvents => events;

    /// <summary>Reads an attachment's bytes from SessionService, with this step's grant (it reads this step's documents only).</summary>
    public Task<Stream> OpenAttachmentAsync(AttachmentDescriptor attachment, CancellationToken cancellationToken) =>
        attachments.OpenAsync(attachment, Command.AttachmentGrant, cancellationToken);

    /// <summary>The result of an earlier step of this session, if it had one.</summary>
    public JsonElement? PreviousResult(string stepName) =>
        Command.PreviousResults.TryGetValue(stepName, out var result) ? result : null;

    /// <summary>Reads <c>data.{name}</c> as a string, or null.</summary>
    public string? DataString(string name) =>
        Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Publishes a data event (ConnectionDataSynced, PaymentStatusChanged, VerificationCompleted…) with the outcome.</summary>
    public void Publish<T>(T dataEvent) where T : class => events.Add(dataEvent);
}

/// <summary>The outcome a handler returns; becomes a <see cref="StepProcessed"/>.</summary>
public sealed record StepOutcome(string Outcome, JsonElement? Result, StepAction? Action, StepError? Error)
{
    /// <summary>When set, the SDK runs the handler's <see cref="IStepFollowUp.FollowUpAsync"/> this long after the outcome.</summary>
    public TimeSpan? FollowUpAfter { get; init; }

    /// <summary>What the follow-up receives (any object, stored as snake_case JSON in the connector's database).</summary>
    public JsonElement? FollowUpState { get; init; }

    /// <summary>True for COMPLETED and FAILED: SessionService never changes such a step again.</summary>
    public bool IsTerminal => Outcome is StepOutcomes.Completed or StepOutcomes.Failed;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static StepOutcome Completed(object? result = null) => new(StepOutcomes.Completed, ToJson(result), null, null);

    public static StepOutcome Failed(string code, string message) =>
        new(StepOutcomes.Failed, null, null, new StepError { Code = code, Message = message });

    public static StepOutcome Redirect(string url, object? result = null) =>
        new(StepOutcomes.ActionRequired, ToJson(result), new StepAction { Type = "redirect", Url = url }, null);

    public static StepOutcome Decoupled(string instruction, object? result = null) =>
        new(StepOutcomes.ActionRequired, ToJson(result), new StepAction { Type = "decoupled", Instruction = instruction }, null);

    public static StepOutcome PendingVerification(object? result = null) => new(StepOutcomes.PendingVerification, ToJson(result), null, null);

    /// <summary>
    /// Asks the SDK to call the handler's <see cref="IStepFollowUp.FollowUpAsync"/> after <paramref name="after"/> with
    /// <paramref name="state"/>. The follow-up is kept in the connector's database, so a restart does not lose it.
    /// </summary>
    public StepOutcome ThenFollowUp(TimeSpan after, object? state = null) =>
        this with { FollowUpAfter = after < TimeSpan.Zero ? TimeSpan.Zero : after, FollowUpState = ToJson(state) };

    public static JsonElement? ToJson(object? value) => value switch
    {
        null => null,
        JsonElement element => element,
        _ => JsonSerializer.SerializeToElement(value, Json),
    };

    public StepProcessed ToMessage(ProcessStep command, DateTimeOffset at) => new()
    {
        SessionId = command.SessionId,
        StepId = command.StepId,
        Skill = command.Skill,
        Step = command.Step,
        Outcome = Outcome,
        Result = Result,
        Action = Action,
        Error = Error,
        ProcessedAt = at,
    };
}
