using System.Text.Json.Serialization;

namespace Finqware.SessionService.Transactions;

public sealed record TransactionView(
    string TransactionId,
    string AccountId,
    string Status,
    string Amount,
    string Currency,
    DateOnly BookingDate,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateOnly? ValueDate,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? CounterpartyName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? RemittanceInformation);
