namespace Finqware.SessionService.Accounts;

/// <summary>
/// A bank account of a connection, replaced by every <c>ConnectionDataSynced</c>. <see cref="AccountId"/> is the
/// connector's id and is unique per tenant (a later consent to the same account takes it over); balances are kept
/// with it because they are always replaced together.
/// </summary>
public sealed class Account
{
    public required Guid Id { get; init; }

    public required string ClientId { get; init; }

    public required string AccountId { get; init; }

    /// <summary>Our id of the connection (<see cref="Connections.Connection.Id"/>).</summary>
    public required Guid ConnectionKey { get; set; }

    public required string Iban { get; set; }

    public required string Name { get; set; }

    /// <summary>current, savings or card.</summary>
    public required string Kind { get; set; }

    public required string Currency { get; set; }

    public List<StoredBalance> Balances { get; set; } = [];

    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed record StoredBalance(string Type, decimal Amount, string Currency, DateOnly ReferenceDate);

/// <summary>
/// A transaction of an account, upserted by <c>transaction_id</c> so a pending one that books is the same row.
/// <see cref="Seq"/> is the connection's change number of its last change and <see cref="AddedSeq"/> that of its
/// (re)appearance: <c>POST /transactions/sync</c> reads them to tell added from modified. A removed transaction keeps
/// its row (<see cref="Removed"/>) so the sync can report it.
/// </summary>
public sealed class AccountTransaction
{
    /// <summary>Insertion order; the tie-break of the list's keyset (booking_date desc, id desc).</summary>
    public long Id { get; init; }

    public required Guid ConnectionKey { get; init; }

    public required string AccountId { get; init; }

    public required string TransactionId { get; init; }

    /// <summary>BOOKED or PENDING.</summary>
    public required string Status { get; set; }

    public required decimal Amount { get; set; }

    public required string Currency { get; set; }

    public required DateOnly BookingDate { get; set; }

    public DateOnly? ValueDate { get; set; }

    public string? CounterpartyName { get; set; }

    public string? RemittanceInformation { get; set; }

    public bool Removed { get; set; }

    public long Seq { get; set; }

    public long AddedSeq { get; set; }
}

public static class TransactionStatus
{
    public const string Booked = "BOOKED";
    public const string Pending = "PENDING";
}
