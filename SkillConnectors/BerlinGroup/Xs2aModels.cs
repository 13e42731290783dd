using System.Text.Json;
using System.Text.Json.Serialization;

namespace Finqware.SkillConnectors.BerlinGroup;

// The parts of NextGenPSD2 1.3.11's bodies the connector reads and writes (camelCase, as the specification names them).
// Everything is nullable: what is required is checked where it is used, and a bank's answer that lacks it fails the step
// BANK_RESPONSE_INVALID (BankClient).

public sealed record HrefType(string? Href);

public sealed record TppMessage(string? Category, string? Code, string? Path, string? Text);

public sealed record Amount(string? Currency, [property: JsonPropertyName("amount")] string? Value);

public sealed record AccountReference(string? Iban = null, string? Bban = null, string? Pan = null, string? MaskedPan = null, string? Currency = null);

public sealed record ConsentAccess
{
    public IReadOnlyList<AccountReference>? Balances { get; init; }

    public IReadOnlyList<AccountReference>? Transactions { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AllPsd2 { get; init; }
}

public sealed record ConsentRequest(ConsentAccess Access, bool RecurringIndicator, string ValidUntil, int FrequencyPerDay, bool CombinedServiceIndicator);

/// <summary>What the creation of a consent or a payment and the start of an authorisation answer (the SCA part).</summary>
public record ScaResponse
{
    public string? ScaStatus { get; init; }

    public string? AuthorisationId { get; init; }

    public string? PsuMessage { get; init; }

    public IReadOnlyList<AuthenticationObject>? ScaMethods { get; init; }

    public AuthenticationObject? ChosenScaMethod { get; init; }

    public ChallengeData? ChallengeData { get; init; }

    [JsonPropertyName("_links")]
    public IReadOnlyDictionary<string, HrefType?>? Links { get; init; }

    public IReadOnlyList<TppMessage>? TppMessages { get; init; }

    public string? Link(string name) => Links is not null && Links.TryGetValue(name, out var link) ? link?.Href : null;
}

public sealed record ConsentCreated : ScaResponse
{
    public string? ConsentStatus { get; init; }

    public string? ConsentId { get; init; }
}

public sealed record PaymentCreated : ScaResponse
{
    public string? TransactionStatus { get; init; }

    public string? PaymentId { get; init; }
}

public sealed record AuthenticationObject(string? AuthenticationType, string? AuthenticationVersion, string? AuthenticationMethodId, string? Name, string? ExplanationText);

public sealed record ChallengeData(JsonElement? OtpMaxLength, string? OtpFormat, string? AdditionalInformation, IReadOnlyList<string>? Data, string? ImageLink);

public sealed record ConsentStatusResponse(string? ConsentStatus);

public sealed record PaymentStatusResponse(string? TransactionStatus);

public sealed record PaymentRequest(Amount InstructedAmount, AccountReference DebtorAccount, string CreditorName, AccountReference CreditorAccount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RemittanceInformationUnstructured);

public sealed record AccountDetails
{
    public string? ResourceId { get; init; }

    public string? Iban { get; init; }

    public string? Bban { get; init; }

    public string? MaskedPan { get; init; }

    public string? Currency { get; init; }

    public string? Name { get; init; }

    public string? Product { get; init; }

    public string? CashAccountType { get; init; }
}

public sealed record AccountList(IReadOnlyList<AccountDetails>? Accounts);

public sealed record Balance(Amount? BalanceAmount, string? BalanceType, string? ReferenceDate, string? LastChangeDateTime);

public sealed record BalancesResponse(IReadOnlyList<Balance>? Balances);

public sealed record Transaction
{
    public string? TransactionId { get; init; }

    public string? EntryReference { get; init; }

    public string? BookingDate { get; init; }

    public string? ValueDate { get; init; }

    public Amount? TransactionAmount { get; init; }

    public string? CreditorName { get; init; }

    public string? DebtorName { get; init; }

    public string? RemittanceInformationUnstructured { get; init; }

    public IReadOnlyList<string>? RemittanceInformationUnstructuredArray { get; init; }
}

public sealed record AccountReport
{
    public IReadOnlyList<Transaction>? Booked { get; init; }

    public IReadOnlyList<Transaction>? Pending { get; init; }

    [JsonPropertyName("_links")]
    public IReadOnlyDictionary<string, HrefType?>? Links { get; init; }
}

public sealed record TransactionsResponse(AccountReport? Transactions, [property: JsonPropertyName("_links")] IReadOnlyDictionary<string, HrefType?>? Links);

/// <summary>An error answer's body (4xx): its <c>tppMessages</c>.</summary>
public sealed record ErrorBody(IReadOnlyList<TppMessage>? TppMessages);
