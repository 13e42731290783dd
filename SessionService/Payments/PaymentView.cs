using System.Text.Json.Serialization;

namespace Finqware.SessionService.Payments;

public sealed record PaymentView(
    string PaymentId,
    Guid SessionId,
    string Skill,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? CreditorName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? CreditorIban,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Amount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Currency,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? RemittanceInformation,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<PaymentStatusView> StatusHistory);
