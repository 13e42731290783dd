using System.Text.Json.Serialization;

namespace Finqware.SessionService.Payments;

public sealed record PaymentStatusView(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Reason,
    DateTimeOffset At);
