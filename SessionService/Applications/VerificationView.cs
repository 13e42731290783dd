using System.Text.Json.Serialization;

namespace Finqware.SessionService.Applications;

public sealed record VerificationView(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? DecidedAt);
