using System.Globalization;
using System.Text.Json;
using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.BerlinGroup;

/// <summary>The AISP skill's first step: <c>POST /v1/consents</c>, then its SCA (<see cref="ScaStepHandler"/>).</summary>
public sealed class ConsentHandler(Banks banks, CallbackUrls callbacks, ILogger<ConsentHandler> logger) : ScaStepHandler(banks, callbacks, logger)
{
    protected override (string Id, string Status) Fields => ("bank_consent_id", "consent_status");

    protected override async Task<Created> CreateAsync(StepContext step, BankClient bank, BankHeaders headers, CancellationToken cancellationToken)
    {
        var options = bank.Options;
        var validUntil = DateOnly.FromDateTime(Banks.Clock.GetUtcNow().UtcDateTime).AddDays(options.ConsentValidityDays);
        var access = options.ConsentAccess == "allAccounts" ? new ConsentAccess { AllPsd2 = "allAccounts" } : new ConsentAccess { Balances = [], Transactions = [] };
        var request = new ConsentRequest(access, RecurringIndicator: true, validUntil.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), options.FrequencyPerDay, CombinedServiceIndicator: false);
        var answer = await bank.CreateConsentAsync(request, headers, cancellationToken);
        var consentId = BankClient.Required(answer.Body.ConsentId, "consentId");
        return new Created(BankClient.ConsentPath(consentId), consentId, answer.Body, answer.ScaApproach, new Dictionary<string, object?>
        {
            ["bank_consent_id"] = consentId,
            ["consent_status"] = BankClient.Required(answer.Body.ConsentStatus, "consentStatus"),
            ["valid_until"] = validUntil.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["psu_id"] = headers.PsuId,
        });
    }

    protected override async Task<ResourceStatus> StatusAsync(StepContext step, BankClient bank, string resource, CancellationToken cancellationToken) =>
        ConsentStatuses.Of(await bank.ConsentStatusAsync(resource, ScaStepHandler.Headers(step, bank), cancellationToken));
}

/// <summary>What a consent's <c>consentStatus</c> means for Finqware.</summary>
public static class ConsentStatuses
{
    public static ResourceStatus Of(string status) => status switch
    {
        "valid" => new ResourceStatus(ResourceState.Authorised, status),
        "received" or "partiallyAuthorised" => new ResourceStatus(ResourceState.Pending, status),
        "rejected" => new ResourceStatus(ResourceState.Failed, status, "CONSENT_REJECTED", "The bank rejected the consent (no successful SCA)."),
        "revokedByPsu" => new ResourceStatus(ResourceState.Failed, status, "CONSENT_REVOKED_AT_BANK", "The user revoked the consent at the bank."),
        "expired" => new ResourceStatus(ResourceState.Failed, status, "CONSENT_EXPIRED", "The consent expired."),
        "terminatedByTpp" => new ResourceStatus(ResourceState.Failed, status, "CONSENT_TERMINATED", "The consent was terminated."),
        _ => throw new BankResponseInvalidException($"The bank answered an unknown consentStatus '{BankCodes.Clip(status, 40)}'."),
    };
}

/// <summary>
/// The AISP skill's second step: ends an embedded SCA with the OTP, checks that the consent is valid, reads the accounts,
/// balances and transactions (<see cref="AccountInformation"/>) and keeps the consent as the connection.
/// </summary>
public sealed class ConfirmConsentHandler(Banks banks, AccountInformation accounts) : IStepHandler
{
    public async Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var first = step.PreviousResult(Skills.Consent) ?? throw new InvalidOperationException("The confirm step ran without the consent step's result.");
        var bank = banks.For(step.Skill);
        var consentId = ResultFields.Read(first, "bank_consent_id")!;
        return await BankStep.RunAsync(async () =>
        {
            if (await BankStep.FinishEmbeddedAsync(step, bank, BankClient.ConsentPath(consentId), first, cancellationToken) is { } failed)
            {
                return failed;
            }

            var status = ConsentStatuses.Of(await bank.ConsentStatusAsync(consentId, ScaStepHandler.Headers(step, bank), cancellationToken));
            if (status.State != ResourceState.Authorised)
            {
                return StepOutcome.Failed(status.Code ?? "CONSENT_NOT_VALID", status.Message ?? $"The consent is {status.Status} at the bank, not valid.");
            }

            var validUntil = DateOnly.Parse(ResultFields.Read(first, "valid_until")!, CultureInfo.InvariantCulture);
            var consent = await accounts.GrantAsync(step, bank.Key, consentId, new DateTimeOffset(validUntil.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), cancellationToken);
            var synced = await accounts.ReadAsync(bank, consent, ScaStepHandler.Headers(step, bank), cancellationToken);
            step.Publish(synced);
            return StepOutcome.Completed(new
            {
                consent.ConnectionId,
                consent.ValidUntil,
                ConsentStatus = status.Status,
                Accounts = synced.Accounts.Select(a => new { a.AccountId, a.Iban, a.Name, a.Kind, a.Currency }),
            });
        });
    }
}

/// <summary>
/// The bank's account information as Finqware's <see cref="ConnectionDataSynced"/>: <c>GET /v1/accounts</c>, each account's
/// balances and its booked and pending transactions since <see cref="BankOptions.TransactionDays"/> days ago (every page).
/// Ids are Finqware's, made from the connection and the bank's ids, so that they stay the same from one read to the next.
/// </summary>
public sealed class AccountInformation(Banks banks, ConsentStore store)
{
    public Task<BankConsent> GrantAsync(StepContext step, string bankKey, string consentId, DateTimeOffset validUntil, CancellationToken cancellationToken) =>
        store.SaveAsync(new BankConsent(Ids.Connection(step.StepId), bankKey, consentId, step.SessionId, step.ClientId, step.Skill, validUntil, null), cancellationToken);

    public async Task<ConnectionDataSynced> ReadAsync(BankClient bank, BankConsent consent, BankHeaders headers, CancellationToken cancellationToken)
    {
        var now = banks.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var withConsent = headers with { ConsentId = consent.ConsentId };
        var list = await bank.AccountsAsync(withConsent with { RequestId = Guid.NewGuid().ToString() }, cancellationToken);
        var accounts = new List<AccountData>();
        foreach (var account in list)
        {
            var resourceId = BankClient.Required(account.ResourceId, "accounts[].resourceId");
            var currency = account.Currency ?? "";
            var balances = await bank.BalancesAsync(resourceId, withConsent with { RequestId = Guid.NewGuid().ToString() }, cancellationToken);
            var (booked, pending) = await bank.TransactionsAsync(
                resourceId, today.AddDays(-bank.Options.TransactionDays), banks.Options.MaxTransactionPages,
                () => withConsent with { RequestId = Guid.NewGuid().ToString() }, cancellationToken);
            accounts.Add(new AccountData
            {
                AccountId = Ids.Account(consent.ConnectionId, resourceId),
                Iban = account.Iban ?? account.Bban ?? account.MaskedPan ?? "",
                Name = account.Name ?? account.Product ?? "Account",
                Kind = account.CashAccountType switch { "SVGS" => "savings", "CARD" => "card", _ => "current" },
                Currency = currency,
                Balances = balances.Select(b => new BalanceData
                {
                    Type = BankClient.Required(b.BalanceType, "balances[].balanceType"),
                    Amount = Money(b.BalanceAmount),
                    Currency = b.BalanceAmount?.Currency ?? currency,
                    ReferenceDate = Date(b.ReferenceDate) ?? (b.LastChangeDateTime is { Length: >= 10 } changed ? Date(changed[..10]) : null) ?? today,
                }).ToList(),
                Transactions = booked.Select((t, i) => Map(consent.ConnectionId, resourceId, t, "booked", i, currency, today))
                    .Concat(pending.Select((t, i) => Map(consent.ConnectionId, resourceId, t, "pending", i, currency, today)))
                    .ToList(),
            });
        }

        return new ConnectionDataSynced
        {
            ConnectionId = consent.ConnectionId,
            SessionId = consent.SessionId,
            ClientId = consent.ClientId,
            Skill = consent.Skill,
            ValidUntil = consent.ValidUntil,
            Accounts = accounts,
            SyncedAt = now,
        };
    }

    /// <summary>
    /// A transaction keeps its id from pending to booked when the bank gives it a <c>transactionId</c> (or an
    /// <c>entryReference</c>); without either, its id is made of its content and its place in the list.
    /// </summary>
    private static TransactionData Map(string connectionId, string resourceId, Transaction t, string status, int index, string currency, DateOnly today)
    {
        var amount = Money(t.TransactionAmount);
        var reference = t.TransactionId ?? t.EntryReference
            ?? string.Join('|', status, index, t.BookingDate, t.ValueDate, t.TransactionAmount?.Value, t.CreditorName, t.DebtorName);
        return new TransactionData
        {
            TransactionId = Ids.Transaction(connectionId, resourceId, reference),
            Status = status,
            Amount = amount,
            Currency = t.TransactionAmount?.Currency ?? currency,
            BookingDate = Date(t.BookingDate) ?? Date(t.ValueDate) ?? today,
            ValueDate = Date(t.ValueDate),
            CounterpartyName = amount < 0 ? t.CreditorName ?? t.DebtorName : t.DebtorName ?? t.CreditorName,
            RemittanceInformation = t.RemittanceInformationUnstructured
                ?? (t.RemittanceInformationUnstructuredArray is { Count: > 0 } lines ? string.Join(' ', lines) : null),
        };
    }

    private static decimal Money(Amount? amount) =>
        decimal.TryParse(amount?.Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new BankResponseInvalidException("An amount of the bank's answer is not a decimal number.");

    private static DateOnly? Date(string? value) =>
        value is null ? null
        : DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date
        : throw new BankResponseInvalidException("A date of the bank's answer is not ISO (yyyy-MM-dd).");

    /// <summary>Refresh (unattended: no PSU-IP-Address, counted by the consent's frequencyPerDay) and revoke.</summary>
    public async Task<ConnectionRefresh> RefreshAsync(RefreshConnection request, CancellationToken cancellationToken)
    {
        var consent = await store.FindAsync(request.ConnectionId, cancellationToken);
        if (consent is null || consent.ClientId != request.ClientId)
        {
            return ConnectionRefresh.Failed("CONNECTION_NOT_FOUND", "This connector knows no such consent.");
        }

        if (consent.RevokedAt is not null)
        {
            return ConnectionRefresh.Failed("CONSENT_REVOKED_AT_BANK", "The consent was revoked.");
        }

        if (consent.ValidUntil <= banks.Clock.GetUtcNow())
        {
            return ConnectionRefresh.Failed("CONSENT_EXPIRED", "The consent expired; the user must give a new one.");
        }

        var bank = banks.For(consent.Skill);
        try
        {
            return ConnectionRefresh.Synced(await ReadAsync(bank, consent, new BankHeaders(), cancellationToken));
        }
        catch (BankRefusedException ex)
        {
            return ConnectionRefresh.Failed(ex.Code switch
            {
                "CONSENT_UNKNOWN" or "CONSENT_INVALID" => "CONSENT_REVOKED_AT_BANK",
                var code => code,
            }, ex.Message);
        }
        catch (BankResponseInvalidException ex)
        {
            return ConnectionRefresh.Failed(BankCodes.ResponseInvalid, ex.Message);
        }
    }

    public async Task RevokeAsync(RevokeConnection request, CancellationToken cancellationToken)
    {
        var consent = await store.FindAsync(request.ConnectionId, cancellationToken);
        if (consent is null || consent.ClientId != request.ClientId || consent.RevokedAt is not null)
        {
            return;
        }

        try
        {
            await banks.For(consent.Skill).DeleteConsentAsync(consent.ConsentId, new BankHeaders(), cancellationToken);
        }
        catch (BankRefusedException ex) when (ex.Status is 403 or 404 || ex.Code is "CONSENT_UNKNOWN" or "CONSENT_EXPIRED" or "CONSENT_INVALID")
        {
            // Already gone at the bank: revoked all the same.
        }

        await store.MarkRevokedAsync(consent.ConnectionId, banks.Clock.GetUtcNow(), cancellationToken);
    }
}

/// <summary>Refresh and revoke of the AISP skill's connections (the SDK's connection hook).</summary>
public sealed class ConsentConnectionHandler(AccountInformation accounts) : IConnectionHandler
{
    public Task<ConnectionRefresh> RefreshAsync(RefreshConnection request, CancellationToken cancellationToken) => accounts.RefreshAsync(request, cancellationToken);

    public Task RevokeAsync(RevokeConnection request, CancellationToken cancellationToken) => accounts.RevokeAsync(request, cancellationToken);
}
