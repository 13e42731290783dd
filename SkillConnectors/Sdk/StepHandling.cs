using System.Text.Json;
using Finqware.Contracts.Sessions;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>One step of one skill: what a skill provider writes.</summary>
public interface IStepHandler
{
    Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken);
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

    /// <summary>Events the handler published, sent with the step's outcome once the handler returns.</summary>
    public IReadOnlyList<object> PublishedEvents => events;

    /// <summary>Reads an attachment's bytes from SessionService.</summary>
    public Task<Stream> OpenAttachmentAsync(AttachmentDescriptor attachment, CancellationToken cancellationToken) =>
        attachments.OpenAsync(attachment, cancellationToken);

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
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static StepOutcome Completed(object? result = null) => new(StepOutcomes.Completed, ToJson(result), null, null);

    public static StepOutcome Failed(string code, string message) =>
        new(StepOutcomes.Failed, null, null, new StepError { Code = code, Message = message });

    public static StepOutcome Redirect(string url, object? result = null) =>
        new(StepOutcomes.ActionRequired, ToJson(result), new StepAction { Type = "redirect", Url = url }, null);

    public static StepOutcome Decoupled(string instruction, object? result = null) =>
        new(StepOutcomes.ActionRequired, ToJson(result), new StepAction { Type = "decoupled", Instruction = instruction }, null);

    public static StepOutcome PendingVerification(object? result = null) => new(StepOutcomes.PendingVerification, ToJson(result), null, null);

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
