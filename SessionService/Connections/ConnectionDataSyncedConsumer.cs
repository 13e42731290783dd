using Finqware.Contracts.Sessions;
using Finqware.ServiceDefaults.Data;
using Finqware.SessionService.Accounts;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Webhooks;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Connections;

/// <summary>
/// Applies a consent's data as the bank reported it: creates the connection on the first sync, replaces its accounts and
/// balances, and upserts its transactions by transaction_id, giving every change the connection's next change number
/// (what <c>POST /transactions/sync</c> reads). A pending transaction missing from a later sync is removed. Idempotent:
/// the inbox drops a redelivery, and the same data sent anew changes nothing. A revoked connection takes no more data.
/// </summary>
public sealed partial class ConnectionDataSyncedConsumer(
    SessionDbContext db,
    WebhookOutbox webhooks,
    TimeProvider clock,
    ILogger<ConnectionDataSyncedConsumer> logger) : IConsumer<ConnectionDataSynced>
{
    /// <summary>Its queue; each message handled once, in one transaction with its inbox row.</summary>
    public sealed class Definition() : InboxConsumerDefinition<ConnectionDataSyncedConsumer, SessionDbContext>("sessions-connection-data-synced");

    public async Task Consume(ConsumeContext<ConnectionDataSynced> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        Validate(message);

        if (await DataEventSupport.IsForeignSessionAsync(db, message.SessionId, message.ClientId, cancellationToken))
        {
            LogForeign(logger, message.ConnectionId, message.SessionId);
            return;
        }

        await DataEventSupport.LockAsync(db, $"connection|{message.ClientId}|{message.ConnectionId}", cancellationToken);
        var now = clock.GetUtcNow();
        var connection = await ConnectionsApi.LockAsync(db, message.ClientId, message.ConnectionId, cancellationToken);
        var created = connection is null;
        if (connection is null)
        {
            connection = new Connection
            {
                Id = Guid.CreateVersion7(),
                ClientId = message.ClientId,
                ConnectionId = message.ConnectionId,
                SessionId = message.SessionId,
                Skill = message.Skill,
                Status = ConnectionStatus.Active,
                ValidUntil = message.ValidUntil,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Connections.Add(connection);
        }
        else if (connection.Status == ConnectionStatus.Revoked || message.SyncedAt < connection.LastSyncedAt)
        {
            LogIgnored(logger, connection.ConnectionId, connection.Status);
            return;
        }

        if (connection.ValidUntil != message.ValidUntil)
        {
            connection.ValidUntil = message.ValidUntil;
            connection.ExpiringNotifiedAt = null;
        }

        if (connection.Status == ConnectionStatus.Expired && message.ValidUntil > now)
        {
            connection.Status = ConnectionStatus.Active;
        }

        if (connection.LastRefreshErrorAt <= message.SyncedAt)
        {
            connection.LastRefreshErrorCode = null;
            connection.LastRefreshErrorMessage = null;
            connection.LastRefreshErrorAt = null;
        }

        connection.LastSyncedAt = message.SyncedAt;
        connection.Skill = message.Skill;
        connection.UpdatedAt = now;

        var accounts = message.Accounts.DistinctBy(a => a.AccountId).ToList();
        await ReplaceAccountsAsync(connection, accounts, now, cancellationToken);
        var rows = created ? [] : await db.Transactions.Where(t => t.ConnectionKey == connection.Id).ToListAsync(cancellationToken);
        var (added, modified, removed) = UpsertTransactions(connection, accounts, rows);
        if (added + modified + removed > 0)
        {
            await webhooks.EnqueueAsync(connection.ClientId, connection.SessionId, WebhookEvents.TransactionsUpdated,
                (id, at) => new TransactionsUpdatedEvent(id, WebhookEvents.TransactionsUpdated, at, connection.ClientId, connection.ConnectionId, connection.SessionId, added, modified, removed),
                cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        LogSynced(logger, connection.ConnectionId, accounts.Count, added, modified, removed);
    }

    private async Task ReplaceAccountsAsync(Connection connection, List<AccountData> data, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = data.Select(a => a.AccountId).ToList();
        var existing = await db.Accounts
            .Where(a => a.ClientId == connection.ClientId && (a.ConnectionKey == connection.Id || ids.Contains(a.AccountId)))
            .ToListAsync(cancellationToken);
        foreach (var account in data)
        {
            var row = existing.FirstOrDefault(a => a.AccountId == account.AccountId);
            if (row is null)
            {
                row = new Account
                {
                    Id = Guid.CreateVersion7(), ClientId = connection.ClientId, AccountId = account.AccountId, ConnectionKey = connection.Id,
                    Iban = account.Iban, Name = account.Name, Kind = account.Kind, Currency = account.Currency,
                };
                db.Accounts.Add(row);
            }

            // A later consent to the same account takes it over.
            row.ConnectionKey = connection.Id;
            row.Iban = DataEventSupport.Clip(account.Iban, 64)!;
            row.Name = DataEventSupport.Clip(account.Name, 256)!;
            row.Kind = DataEventSupport.Clip(account.Kind.ToLowerInvariant(), 16)!;
            row.Currency = account.Currency;
            row.Balances = [.. account.Balances.Select(b => new StoredBalance(b.Type, Math.Round(b.Amount, 2), b.Currency, b.ReferenceDate))];
            row.UpdatedAt = now;
        }

        db.Accounts.RemoveRange(existing.Where(a => a.ConnectionKey == connection.Id && !ids.Contains(a.AccountId)));
    }

    /// <summary>Upserts the sync's transactions into <paramref name="rows"/> (the connection's), numbering each change.</summary>
    private (int Added, int Modified, int Removed) UpsertTransactions(Connection connection, List<AccountData> accounts, List<AccountTransaction> rows)
    {
        int added = 0, modified = 0, removed = 0;
        var byKey = rows.ToDictionary(t => (t.AccountId, t.TransactionId));
        foreach (var account in accounts)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var data in account.Transactions)
            {
                if (!seen.Add(data.TransactionId))
                {
                    continue;
                }

                if (!byKey.TryGetValue((account.AccountId, data.TransactionId), out var row))
                {
                    row = new AccountTransaction
                    {
                        ConnectionKey = connection.Id, AccountId = account.AccountId, TransactionId = data.TransactionId,
                        Status = "", Amount = 0, Currency = "", BookingDate = data.BookingDate,
                    };
                    Copy(data, row);
                    row.Seq = row.AddedSeq = ++connection.ChangeSeq;
                    db.Transactions.Add(row);
                    added++;
                }
                else if (row.Removed)
                {
                    // Back after a removal: new again to whoever saw it go.
                    Copy(data, row);
                    row.Removed = false;
                    row.Seq = row.AddedSeq = ++connection.ChangeSeq;
                    added++;
                }
                else if (Copy(data, row))
                {
                    row.Seq = ++connection.ChangeSeq;
                    modified++;
                }
            }

            // A pending transaction the bank no longer lists was dropped (or replaced under another id). Booked ones stay:
            // a bank may list only recent ones.
            foreach (var row in rows.Where(r => r.AccountId == account.AccountId && !r.Removed && r.Status == TransactionStatus.Pending && !seen.Contains(r.TransactionId)))
            {
                row.Removed = true;
                row.Seq = ++connection.ChangeSeq;
                removed++;
            }
        }

        // Accounts no longer in the consent take their transactions with them.
        var ids = accounts.Select(a => a.AccountId).ToHashSet(StringComparer.Ordinal);
        foreach (var row in rows.Where(r => !r.Removed && !ids.Contains(r.AccountId)))
        {
            row.Removed = true;
            row.Seq = ++connection.ChangeSeq;
            removed++;
        }

        return (added, modified, removed);
    }

    /// <summary>Copies the bank's view into the row; true when anything differed.</summary>
    private static bool Copy(TransactionData data, AccountTransaction row)
    {
        var status = NormalizeStatus(data.Status);
        var amount = Math.Round(data.Amount, 2);
        var counterparty = DataEventSupport.Clip(data.CounterpartyName, 256);
        var remittance = DataEventSupport.Clip(data.RemittanceInformation, 1000);
        var changed = row.Status != status || row.Amount != amount || row.Currency != data.Currency || row.BookingDate != data.BookingDate
            || row.ValueDate != data.ValueDate || row.CounterpartyName != counterparty || row.RemittanceInformation != remittance;
        row.Status = status;
        row.Amount = amount;
        row.Currency = data.Currency;
        row.BookingDate = data.BookingDate;
        row.ValueDate = data.ValueDate;
        row.CounterpartyName = counterparty;
        row.RemittanceInformation = remittance;
        return changed;
    }

    private static string NormalizeStatus(string status) => status.ToUpperInvariant() switch
    {
        TransactionStatus.Booked => TransactionStatus.Booked,
        TransactionStatus.Pending => TransactionStatus.Pending,
        _ => throw new PermanentMessageException($"A transaction's status must be booked or pending, not {status}."),
    };

    private static void Validate(ConnectionDataSynced message)
    {
        DataEventSupport.Require(DataEventSupport.IsId(message.ConnectionId) && DataEventSupport.IsId(message.ClientId, 64) && DataEventSupport.IsId(message.Skill),
            "ConnectionDataSynced needs connection_id and skill (at most 128 characters) and client_id (at most 64).");
        foreach (var account in message.Accounts)
        {
            DataEventSupport.Require(DataEventSupport.IsId(account.AccountId) && account.Currency.Length == 3,
                "Every account needs an account_id of at most 128 characters and a three-letter currency.");
            DataEventSupport.Require(account.Transactions.All(t => DataEventSupport.IsId(t.TransactionId) && t.Currency.Length == 3),
                "Every transaction needs a transaction_id of at most 128 characters and a three-letter currency.");
            DataEventSupport.Require(account.Transactions.All(t => t.Status.ToUpperInvariant() is TransactionStatus.Booked or TransactionStatus.Pending),
                "A transaction's status is booked or pending.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ConnectionDataSynced for {ConnectionId} names session {SessionId} of another tenant: ignored")]
    private static partial void LogForeign(ILogger logger, string connectionId, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "ConnectionDataSynced for {ConnectionId} ignored (connection is {Status} or the data is older)")]
    private static partial void LogIgnored(ILogger logger, string connectionId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection {ConnectionId} synced: {Accounts} accounts, {Added} added, {Modified} modified, {Removed} removed")]
    private static partial void LogSynced(ILogger logger, string connectionId, int accounts, int added, int modified, int removed);
}

/// <summary>The TRANSACTIONS_UPDATED webhook: a sync brought changes; read them with POST /transactions/sync.</summary>
public sealed record TransactionsUpdatedEvent(Guid EventId, string Type, DateTimeOffset CreatedAt, string ClientId, string ConnectionId, Guid SessionId, int Added, int Modified, int Removed);

/// <summary>The CONNECTION_EXPIRING webhook: the consent ends at valid_until; ask the user to consent again.</summary>
public sealed record ConnectionExpiringEvent(Guid EventId, string Type, DateTimeOffset CreatedAt, string ClientId, string ConnectionId, Guid SessionId, DateTimeOffset ValidUntil);
