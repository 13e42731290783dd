namespace Finqware.SessionService.Payments;

/// <summary>
/// A payment a PISP session initiated, from <c>PaymentInitiated</c> and <c>PaymentStatusChanged</c> (which may arrive in
/// either order: each fills what it knows). <see cref="PaymentId"/> is the connector's id, unique per tenant.
/// </summary>
public sealed class Payment
{
    public required Guid Id { get; init; }

    public required string ClientId { get; init; }

    public required string PaymentId { get; init; }

    public required Guid SessionId { get; set; }

    public Guid? StepId { get; set; }

    public required string Skill { get; set; }

    /// <summary>The Berlin Group transaction status of the latest history entry (a terminal one never changes).</summary>
    public required string Status { get; set; }

    public string? Reason { get; set; }

    public string? CreditorName { get; set; }

    public string? CreditorIban { get; set; }

    public decimal? Amount { get; set; }

    public string? Currency { get; set; }

    public string? RemittanceInformation { get; set; }

    public required DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Ordered by <see cref="PaymentStatusEntry.At"/>.</summary>
    public List<PaymentStatusEntry> History { get; set; } = [];

    /// <summary>
    /// Adds a status the bank reported. A duplicate changes nothing; after a terminal status (ACSC, RJCT, CANC) only an
    /// earlier entry that arrived late is added to the history, and the status stays. Says whether the history and the
    /// current status changed.
    /// </summary>
    public (bool HistoryChanged, bool StatusChanged) Record(string status, string? reason, DateTimeOffset at)
    {
        if (History.Any(h => h.Status == status && h.At == at))
        {
            return (false, false);
        }

        var terminal = History.FirstOrDefault(h => PaymentStatus.IsTerminal(h.Status));
        if (terminal is not null && at >= terminal.At)
        {
            return (false, false);
        }

        History.Add(new PaymentStatusEntry(status, reason, at));
        History = [.. History.OrderBy(h => h.At)];
        var latest = History.FirstOrDefault(h => PaymentStatus.IsTerminal(h.Status)) ?? History[^1];
        var changed = latest.Status != Status || latest.Reason != Reason;
        Status = latest.Status;
        Reason = latest.Reason;
        return (true, changed);
    }
}
