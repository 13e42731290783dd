using System.Text.Json;
using Finqware.Contracts.Sessions;
using Finqware.SessionService.Uploads;

namespace Finqware.SessionService.Steps;

/// <summary>One message of the session's conversation: the user's data for one manifest step and its outcome.</summary>
public sealed class Step
{
    public required Guid Id { get; init; }

    public required Guid SessionId { get; init; }

    /// <summary>1-based position in the manifest.</summary>
    public required int Number { get; init; }

    public required string Name { get; init; }

    /// <summary>One of <see cref="StepStatus"/>.</summary>
    public required string Status { get; set; }

    public required JsonDocument Data { get; init; }

    public JsonDocument? Result { get; set; }

    public JsonDocument? Action { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<Attachment> Attachments { get; init; } = [];

    public void Fail(string code, string message, DateTimeOffset now)
    {
        Status = StepStatus.Failed;
        ErrorCode = code;
        ErrorMessage = message;
        UpdatedAt = now;
    }

    /// <summary>
    /// Applies a connector's outcome. Terminal steps never change, and an outcome equal to the current status with
    /// the same content changes nothing, so redelivered or duplicated results are harmless. Returns true when the
    /// step changed.
    /// </summary>
    public bool Apply(StepProcessed outcome, DateTimeOffset now)
    {
        if (StepStatus.IsTerminal(Status) || Status == StepStatus.AwaitingUploads || !StepStatus.IsOutcome(outcome.Outcome))
        {
            return false;
        }

        if (Status == outcome.Outcome && Status != StepStatus.ActionRequired && Status != StepStatus.PendingVerification)
        {
            return false;
        }

        var action = outcome.Action is null ? null : JsonSerializer.SerializeToDocument(outcome.Action, StepJson.Options);
        if (Status == outcome.Outcome && SameJson(Action, action) && SameJson(Result, outcome.Result))
        {
            return false;
        }

        Status = outcome.Outcome;
        Result = outcome.Result is { } result ? JsonDocument.Parse(result.GetRawText()) : Result;
        Action = action;
        ErrorCode = outcome.Error?.Code;
        ErrorMessage = outcome.Error?.Message;
        UpdatedAt = now;
        return true;
    }

    private static bool SameJson(JsonDocument? a, JsonDocument? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        _ => a.RootElement.GetRawText() == b.RootElement.GetRawText(),
    };

    private static bool SameJson(JsonDocument? a, JsonElement? b) => SameJson(a, b is { } e ? JsonDocument.Parse(e.GetRawText()) : null);
}

internal static class StepJson
{
    public static readonly JsonSerializerOptions Options = Finqware.ServiceDefaults.Json.ApiJson.Create();
}
