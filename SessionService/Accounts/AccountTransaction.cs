namespace Finqware.SessionService.Accounts;

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
