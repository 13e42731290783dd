using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Finqware.SessionService.Accounts;
using Finqware.SessionService.Applications;
using Finqware.SessionService.Payments;

namespace Finqware.SessionService.Connections;

// The public shapes of the data APIs (docs/data-api.md); never the EF entities. Fields the contract always lists are
// written even when null.

public sealed record ConnectionView(
    string ConnectionId,
    Guid SessionId,
    string Skill,
    string Status,
    DateTimeOffset ValidUntil,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? LastSyncedAt,
    RefreshErrorView? LastRefreshError,
    IReadOnlyList<AccountView> Accounts);

public sealed record RefreshErrorView(string Code, string Message, DateTimeOffset At);

public sealed record ConnectionList(IReadOnlyList<ConnectionView> Connections);

public sealed record RefreshAccepted(string ConnectionId, Guid RequestId, string Status);

public sealed record AccountView(string AccountId, string ConnectionId, string Iban, string Name, string Kind, string Currency);

public sealed record AccountList(IReadOnlyList<AccountView> Accounts);

public sealed record BalanceView(string Type, string Amount, string Currency, DateOnly ReferenceDate);

public sealed record BalanceList(string AccountId, IReadOnlyList<BalanceView> Balances);

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

public sealed record TransactionPage(
    IReadOnlyList<TransactionView> Transactions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextCursor,
    bool HasMore);

public sealed record SyncRequest(
    [property: Required, MaxLength(128)] string? ConnectionId,
    [property: MaxLength(512)] string? Cursor,
    [property: Range(1, AccountsApi.MaxLimit)] int? Count);

public sealed record RemovedTransaction(string TransactionId, string AccountId);

public sealed record SyncResponse(
    IReadOnlyList<TransactionView> Added,
    IReadOnlyList<TransactionView> Modified,
    IReadOnlyList<RemovedTransaction> Removed,
    string NextCursor,
    bool HasMore);

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

public sealed record PaymentStatusView(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Reason,
    DateTimeOffset At);

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

public sealed record VerificationView(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? DecidedAt);

/// <summary>Maps the data entities to their public shapes.</summary>
public static class DataViews
{
    /// <summary>Amounts are JSON strings with two decimals, as Berlin Group writes them ("-12.30").</summary>
    public static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    public static ConnectionView ToView(this Connection connection, IEnumerable<Account> accounts, DateTimeOffset now) => new(
        connection.ConnectionId, connection.SessionId, connection.Skill, connection.EffectiveStatus(now), connection.ValidUntil,
        connection.CreatedAt, connection.LastSyncedAt,
        connection.LastRefreshErrorCode is { } code ? new RefreshErrorView(code, connection.LastRefreshErrorMessage ?? "", connection.LastRefreshErrorAt ?? connection.UpdatedAt) : null,
        [.. accounts.OrderBy(a => a.AccountId, StringComparer.Ordinal).Select(a => a.ToView(connection.ConnectionId))]);

    public static AccountView ToView(this Account account, string connectionId) =>
        new(account.AccountId, connectionId, account.Iban, account.Name, account.Kind, account.Currency);

    public static TransactionView ToView(this AccountTransaction t) => new(
        t.TransactionId, t.AccountId, t.Status, Money(t.Amount), t.Currency, t.BookingDate, t.ValueDate, t.CounterpartyName, t.RemittanceInformation);

    public static PaymentView ToView(this Payment p) => new(
        p.PaymentId, p.SessionId, p.Skill, p.Status, p.Reason, p.CreditorName, p.CreditorIban, p.Amount is { } amount ? Money(amount) : null,
        p.Currency, p.RemittanceInformation, p.CreatedAt, p.UpdatedAt, [.. p.History.Select(h => new PaymentStatusView(h.Status, h.Reason, h.At))]);

    public static ApplicationView ToView(this ProductApplication a, Verification? verification) => new(
        a.ApplicationId, a.SessionId, a.Skill, a.Product, a.Status, a.Reason, a.Offer?.RootElement.Clone(),
        verification is not null
            ? new VerificationView(verification.Approved ? "APPROVED" : "REJECTED", verification.Reason, verification.DecidedAt)
            : a.Status == ApplicationStatus.VerificationPending ? new VerificationView("PENDING", null, null) : null,
        a.Contract?.RootElement.Clone(), a.CreatedAt, a.UpdatedAt);
}
