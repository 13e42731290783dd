namespace Finqware.Contracts.Sessions;

/// <summary>A consent's data, as the bank reported it: published after consent and after every refresh.</summary>
public sealed record ConnectionDataSynced
{
    /// <summary>The connection (consent) id the connector assigned.</summary>
    public required string ConnectionId { get; init; }

    public required Guid SessionId { get; init; }

    public required string ClientId { get; init; }

    public required string Skill { get; init; }

    public required DateTimeOffset ValidUntil { get; init; }

    public required IReadOnlyList<AccountData> Accounts { get; init; }

    public required DateTimeOffset SyncedAt { get; init; }
}

public sealed record AccountData
{
    public required string AccountId { get; init; }

    public required string Iban { get; init; }

    public required string Name { get; init; }

    /// <summary>current, savings or card.</summary>
    public required string Kind { get; init; }

    public required string Currency { get; init; }

    public required IReadOnlyList<BalanceData> Balances { get; init; }

    public required IReadOnlyList<TransactionData> Transactions { get; init; }
}

public sealed record BalanceData
{
    /// <summary>Berlin Group balance type: closingBooked, interimAvailable…</summary>
    public required string Type { get; init; }

    public required decimal Amount { get; init; }

    public required string Currency { get; init; }

    public required DateOnly ReferenceDate { get; init; }
}

public sealed record TransactionData
{
    /// <summary>Stable across syncs: a pending transaction keeps its id when it books.</summary>
    public required string TransactionId { get; init; }

    /// <summary>booked or pending.</summary>
    public required string Status { get; init; }

    public required decimal Amount { get; init; }

    public required string Currency { get; init; }

    public required DateOnly BookingDate { get; init; }

    public DateOnly? ValueDate { get; init; }

    public string? CounterpartyName { get; init; }

    public string? RemittanceInformation { get; init; }
}

/// <summary>A payment's Berlin Group transaction status changed (RCVD, ACTC, ACSP, ACSC, RJCT, CANC…).</summary>
public sealed record PaymentStatusChanged
{
    public required string PaymentId { get; init; }

    public required Guid SessionId { get; init; }

    public required string ClientId { get; init; }

    public required string Status { get; init; }

    public string? Reason { get; init; }

    public required DateTimeOffset At { get; init; }
}

/// <summary>An offline verification (KYC) was decided.</summary>
public sealed record VerificationCompleted
{
    public required Guid SessionId { get; init; }

    public required Guid StepId { get; init; }

    public required string ClientId { get; init; }

    public required bool Approved { get; init; }

    public string? Reason { get; init; }

    public required DateTimeOffset At { get; init; }
}

/// <summary>
/// A payment was initiated at the bank (the PISP connector publishes it once per payment, before its first
/// <see cref="PaymentStatusChanged"/>): SessionService keeps it for <c>GET /payments/{id}</c>.
/// </summary>
public sealed record PaymentInitiated
{
    public required string PaymentId { get; init; }

    public required Guid SessionId { get; init; }

    public required Guid StepId { get; init; }

    public required string ClientId { get; init; }

    public required string Skill { get; init; }

    public required string CreditorName { get; init; }

    public required string CreditorIban { get; init; }

    public required decimal Amount { get; init; }

    public required string Currency { get; init; }

    public string? RemittanceInformation { get; init; }

    /// <summary>The Berlin Group transaction status at initiation, normally RCVD.</summary>
    public required string Status { get; init; }

    public required DateTimeOffset At { get; init; }
}

/// <summary>
/// A marketplace application (deposit, credit card…) changed: an offer was made, it was approved or rejected, a
/// contract was signed. Published by marketplace connectors; SessionService keeps the latest state for
/// <c>GET /applications/{id}</c>. The application id is the connector's; one session holds at most one application.
/// </summary>
public sealed record ApplicationUpdated
{
    public required string ApplicationId { get; init; }

    public required Guid SessionId { get; init; }

    public required string ClientId { get; init; }

    public required string Skill { get; init; }

    /// <summary>What is applied for, e.g. deposit or credit_card.</summary>
    public required string Product { get; init; }

    /// <summary>OFFERED, VERIFICATION_PENDING, APPROVED, REJECTED, CONTRACT_SIGNED or CANCELLED.</summary>
    public required string Status { get; init; }

    /// <summary>The offer as the product defines it (rate, interest, maturity… or limit, APR…), snake_case.</summary>
    public System.Text.Json.JsonElement? Offer { get; init; }

    /// <summary>The signed contract (contract id, signed at, document reference…), snake_case.</summary>
    public System.Text.Json.JsonElement? Contract { get; init; }

    public string? Reason { get; init; }

    public required DateTimeOffset At { get; init; }
}
