using System.Text.Json;
using System.Text.Json.Serialization;

namespace Finqware.SessionService.Applications;

public sealed record ApplicationView(
    string ApplicationId,
    Guid SessionId,
    string Skill,
    string Product,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] JsonElement? Offer,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] VerificationView? Verification,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] JsonElement? Contract,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
