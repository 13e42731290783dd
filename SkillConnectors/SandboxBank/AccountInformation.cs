using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.Sdk;
using Microsoft.Extensions.Options;

namespace Finqware.SkillConnectors.SandboxBank;

/// <summary>
/// The bank's account information service: grants a consent once its SCA is done, reports the consent's data as
/// <see cref="ConnectionDataSynced"/> (after consent, when the pending transactions book, at every refresh) and
/// answers refreshes of revoked or expired consents with their codes.
/// </summary>
public sealed class AccountInformation(ConnectionStore store, IOptions<SandboxBankOptions> options, TimeProvider clock)
{
    /// <summary>The follow-up phase that books the consent's pending transactions.</summary>
    public const string BookPhase = "book";

    public async Task<StepOutcome> GrantAsync(StepContext step, string username, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var connection = await store.GrantAsync(
            new SandboxConnection(Ids.Connection(step.StepId), username, step.SessionId, step.ClientId, step.Skill, now, now + options.Value.ConsentValidity, null),
            cancellationToken);
        var synced = Synced(connection, pendingBooked: false, now);
        step.Publish(synced);
        return StepOutcome.Completed(new
        {
            connection.ConnectionId,
            connection.ValidUntil,
            ConsentStatus = "valid",
            Accounts = synced.Accounts.Select(a => new { a.AccountId, a.Iban, a.Name, a.Kind, a.Currency }),
        }).ThenFollowUp(options.Value.PendingBookingDelay, new { Phase = BookPhase });
    }

    /// <summary>The bank books the consent's pending transactions: a new ConnectionDataSynced, unless the consent ended meanwhile.</summary>
    public async Task BookPendingAsync(StepContext step, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (await store.FindAsync(Ids.Connection(step.StepId), cancellationToken) is { RevokedAt: null } connection && connection.ValidUntil > now)
        {
            step.Publish(Synced(connection, pendingBooked: true, now));
        }
    }

    public async Task<ConnectionRefresh> RefreshAsync(RefreshConnection request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var connection = await store.FindAsync(request.ConnectionId, cancellationToken);
        if (connection is null || connection.ClientId != request.ClientId)
        {
            return ConnectionRefresh.Failed("CONNECTION_NOT_FOUND", "The bank knows no such consent.");
        }

        if (connection.RevokedAt is not null)
        {
            return ConnectionRefresh.Failed("CONSENT_REVOKED_AT_BANK", "The consent was revoked at the bank.");
        }

        if (connection.ValidUntil <= now)
        {
            return ConnectionRefresh.Failed("CONSENT_EXPIRED", "The consent expired; the user must give a new one.");
        }

        return ConnectionRefresh.Synced(Synced(connection, now >= connection.CreatedAt + options.Value.PendingBookingDelay, now));
    }

    public async Task RevokeAsync(RevokeConnection request, CancellationToken cancellationToken) =>
        await store.RevokeAsync(request.ConnectionId, request.ClientId, clock.GetUtcNow(), cancellationToken);

    /// <summary>The consent's data as the bank reports it <paramref name="now"/>.</summary>
    public static ConnectionDataSynced Synced(SandboxConnection connection, bool pendingBooked, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        return new ConnectionDataSynced
        {
            ConnectionId = connection.ConnectionId,
            SessionId = connection.SessionId,
            ClientId = connection.ClientId,
            Skill = connection.Skill,
            ValidUntil = connection.ValidUntil,
            SyncedAt = now,
            Accounts = SandboxData.For(connection.Username, today, pendingBooked).Select(account => new AccountData
            {
                AccountId = Ids.Account(connection.ConnectionId, account.Reference),
                Iban = account.Iban,
                Name = account.Name,
                Kind = account.Kind,
                Currency = account.Currency,
                Balances = account.Balances
                    .Select(b => new BalanceData { Type = b.Type, Amount = b.Amount, Currency = account.Currency, ReferenceDate = b.ReferenceDate })
                    .ToList(),
                Transactions = account.Transactions.Select(t => new TransactionData
                {
                    TransactionId = Ids.Transaction(connection.ConnectionId, account.Reference, t.EntryReference),
                    Status = t.Status,
                    Amount = t.Amount,
                    Currency = account.Currency,
                    BookingDate = t.BookingDate,
                    ValueDate = t.ValueDate,
                    CounterpartyName = t.Counterparty,
                    RemittanceInformation = t.Remittance,
                }).ToList(),
            }).ToList(),
        };
    }
}

/// <summary>Refresh and revoke of the AISP skill's connections (the SDK's connection hook).</summary>
public sealed class AispConnectionHandler(AccountInformation bank) : IConnectionHandler
{
    public Task<ConnectionRefresh> RefreshAsync(RefreshConnection request, CancellationToken cancellationToken) => bank.RefreshAsync(request, cancellationToken);

    public Task RevokeAsync(RevokeConnection request, CancellationToken cancellationToken) => bank.RevokeAsync(request, cancellationToken);
}
