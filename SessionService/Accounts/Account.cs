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
