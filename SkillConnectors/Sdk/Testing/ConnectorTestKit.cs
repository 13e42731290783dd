using System.Text.Json;
using Finqware.Contracts.Sessions;

namespace Finqware.SkillConnectors.Sdk.Testing;

/// <summary>
/// Runs a step handler the way the connector would, without a broker or a database, so a skill provider can unit
/// test handlers: give it the step's data (any object, serialized as snake_case JSON) and attachments, get the
/// outcome and the events the handler published.
/// <code>
/// var kit = new ConnectorTestKit();
/// var run = await kit.RunAsync(new GreetingHandler(), "example_echo_sbx_#1.0", "greeting", new { name = "Ana" });
/// Assert.Equal("COMPLETED", run.Outcome.Outcome);
/// </code>
/// </summary>
public sealed class ConnectorTestKit
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly Dictionary<Guid, byte[]> files = [];

    public Guid SessionId { get; } = Guid.NewGuid();

    public string ClientId { get; set; } = "fqc_test";

    /// <summary>Adds a document the handler can read, and returns its descriptor for <see cref="RunAsync"/>.</summary>
    public AttachmentDescriptor Attach(string kind, string contentType, byte[] content)
    {
        var descriptor = new AttachmentDescriptor
        {
            AttachmentId = Guid.NewGuid(),
            Kind = kind,
            ContentType = contentType,
            Size = content.Length,
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)),
        };
        files[descriptor.AttachmentId] = content;
        return descriptor;
    }

    public async Task<StepRun> RunAsync(
        IStepHandler handler,
        string skill,
        string step,
        object data,
        IReadOnlyList<AttachmentDescriptor>? attachments = null,
        int stepNumber = 1,
        IReadOnlyDictionary<string, object>? previousResults = null,
        CancellationToken cancellationToken = default)
    {
        var command = new ProcessStep
        {
            SessionId = SessionId,
            StepId = Guid.NewGuid(),
            ClientId = ClientId,
            Skill = skill,
            Step = step,
            StepNumber = stepNumber,
            Data = data is JsonElement element ? element : JsonSerializer.SerializeToElement(data, Json),
            Attachments = attachments ?? [],
            PreviousResults = (previousResults ?? new Dictionary<string, object>())
                .ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value, Json)),
        };
        var context = new StepContext(command, new InMemoryAttachments(files));
        var outcome = await handler.HandleAsync(context, cancellationToken);
        return new StepRun(outcome, outcome.ToMessage(command, DateTimeOffset.UtcNow), context.PublishedEvents) { Command = command };
    }

    /// <summary>
    /// Runs the follow-up <paramref name="previous"/> asked for (<see cref="StepOutcome.ThenFollowUp"/>) at once, as the
    /// connector would once its delay had passed. Like the connector, a finished step keeps its outcome.
    /// </summary>
    public async Task<StepRun> FollowUpAsync(IStepFollowUp handler, StepRun previous, CancellationToken cancellationToken = default)
    {
        if (previous.Outcome.FollowUpAfter is null)
        {
            throw new InvalidOperationException($"The outcome {previous.Message.Outcome} did not ask for a follow-up (StepOutcome.ThenFollowUp).");
        }

        var context = new StepContext(previous.Command, new InMemoryAttachments(files)) { CurrentOutcome = previous.Message };
        var outcome = await handler.FollowUpAsync(context, previous.Outcome.FollowUpState, cancellationToken);
        if (outcome is null || previous.Outcome.IsTerminal)
        {
            var kept = previous.Outcome with { FollowUpAfter = outcome?.FollowUpAfter, FollowUpState = outcome?.FollowUpState };
            return new StepRun(kept, previous.Message, context.PublishedEvents) { Command = previous.Command, Changed = false };
        }

        return new StepRun(outcome, outcome.ToMessage(previous.Command, DateTimeOffset.UtcNow), context.PublishedEvents) { Command = previous.Command };
    }

    private sealed class InMemoryAttachments(Dictionary<Guid, byte[]> files) : IAttachmentReader
    {
        public Task<Stream> OpenAsync(AttachmentDescriptor attachment, CancellationToken cancellationToken) =>
            files.TryGetValue(attachment.AttachmentId, out var bytes)
                ? Task.FromResult<Stream>(new MemoryStream(bytes, writable: false))
                : throw new InvalidOperationException($"No attachment {attachment.AttachmentId} was added with Attach().");
    }
}

/// <summary>What a handler produced: its outcome, the message the connector would publish, and its data events.</summary>
public sealed record StepRun(StepOutcome Outcome, StepProcessed Message, IReadOnlyList<object> PublishedEvents)
{
    /// <summary>The command the handler was given (a follow-up gets the same one).</summary>
    public required ProcessStep Command { get; init; }

    /// <summary>False when a follow-up kept the step's outcome (it returned null, or the step had finished).</summary>
    public bool Changed { get; init; } = true;

    public T Published<T>() => PublishedEvents.OfType<T>().Single();
}
