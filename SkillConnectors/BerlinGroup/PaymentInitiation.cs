using System.Globalization;
using System.Text.Json;
using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.BerlinGroup;

/// <summary>What a payment's <c>transactionStatus</c> (ISO 20022) means for Finqware.</summary>
public static class TransactionStatuses
{
    /// <summary>No status follows these.</summary>
    public static bool IsFinal(string status) => status is "ACSC" or "ACCC" or "RJCT" or "CANC";

    public static ResourceStatus Of(string status) => status switch
    {
        "RJCT" => new ResourceStatus(ResourceState.Failed, status, "PAYMENT_REJECTED", "The bank rejected the payment (RJCT)."),
        "CANC" => new ResourceStatus(ResourceState.Failed, status, "PAYMENT_CANCELLED", "The payment was cancelled (CANC)."),
        "RCVD" or "PDNG" or "PATC" => new ResourceStatus(ResourceState.Pending, status),
        _ when status.Length is >= 3 and <= 16 && status.All(char.IsAsciiLetterUpper) => new ResourceStatus(ResourceState.Authorised, status),
        _ => throw new BankResponseInvalidException($"The bank answered an unknown transactionStatus '{BankCodes.Clip(status, 40)}'."),
    };

    /// <summary>Publishes the status when it differs from the last one the step's result holds.</summary>
    public static void Publish(StepContext step, string paymentId, string? last, string status, DateTimeOffset at)
    {
        if (status != last)
        {
            step.Publish(new PaymentStatusChanged
            {
                PaymentId = paymentId,
                SessionId = step.SessionId,
                ClientId = step.ClientId,
                Status = status,
                Reason = status == "RJCT" ? "Rejected by the bank" : null,
                At = at,
            });
        }
    }
}

/// <summary>
/// The PISP skill's first step: <c>POST /v1/payments/{product}</c> (PaymentInitiated, then PaymentStatusChanged with the bank's
/// first status), then its SCA (<see cref="ScaStepHandler"/>).
/// </summary>
public sealed class PaymentHandler(Banks banks, CallbackUrls callbacks, ILogger<PaymentHandler> logger) : ScaStepHandler(banks, callbacks, logger)
{
    protected override (string Id, string Status) Fields => ("bank_payment_id", "transaction_status");

    protected override async Task<Created> CreateAsync(StepContext step, BankClient bank, BankHeaders headers, CancellationToken cancellationToken)
    {
        var amount = step.DataString("amount")!;
        var currency = step.DataString("currency")!;
        var request = new PaymentRequest(
            new Amount(currency, amount), new AccountReference(Iban: step.DataString("debtor_iban")), step.DataString("creditor_name")!,
            new AccountReference(Iban: step.DataString("creditor_iban")), step.DataString("remittance_information"));
        var answer = await bank.InitiatePaymentAsync(request, headers, cancellationToken);
        var bankPaymentId = BankClient.Required(answer.Body.PaymentId, "paymentId");
        var status = TransactionStatuses.Of(BankClient.Required(answer.Body.TransactionStatus, "transactionStatus")).Status;
        var paymentId = Ids.Payment(step.StepId);
        var now = Banks.Clock.GetUtcNow();
        step.Publish(new PaymentInitiated
        {
            PaymentId = paymentId,
            SessionId = step.SessionId,
            StepId = step.StepId,
            ClientId = step.ClientId,
            Skill = step.Skill,
            CreditorName = request.CreditorName,
            CreditorIban = request.CreditorAccount.Iban!,
            Amount = decimal.Parse(amount, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture),
            Currency = currency,
            RemittanceInformation = request.RemittanceInformationUnstructured,
            Status = status,
            At = now,
        });
        TransactionStatuses.Publish(step, paymentId, null, status, now);
        return new Created(bank.PaymentPath(bankPaymentId), bankPaymentId, answer.Body, answer.ScaApproach, new Dictionary<string, object?>
        {
            ["payment_id"] = paymentId,
            ["bank_payment_id"] = bankPaymentId,
            ["transaction_status"] = status,
            ["psu_id"] = headers.PsuId,
        });
    }

    protected override async Task<ResourceStatus> StatusAsync(StepContext step, BankClient bank, string resource, CancellationToken cancellationToken) =>
        TransactionStatuses.Of(await bank.PaymentStatusAsync(resource, ScaStepHandler.Headers(step, bank), cancellationToken));

    protected override void Observed(StepContext step, JsonElement? result, ResourceStatus status) =>
        TransactionStatuses.Publish(step, ResultFields.Read(result, "payment_id")!, ResultFields.Read(result, "transaction_status"), status.Status, Banks.Clock.GetUtcNow());
}

/// <summary>
/// The PISP skill's second step: ends an embedded SCA with the OTP, reads the payment's status (COMPLETED unless RJCT or CANC),
/// then follows it with backoff until it is final (ACSC, ACCC, RJCT, CANC), publishing each change. A status that stays
/// non-final past <see cref="BerlinGroupOptions.MaxPolls"/> polls ends the polling with PAYMENT_STATUS_NOT_FINAL in the log: the
/// payment keeps its last status (the step completed already).
/// </summary>
public sealed partial class ConfirmPaymentHandler(Banks banks, ILogger<ConfirmPaymentHandler> logger) : IStepHandler, IStepFollowUp
{
    public async Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        var first = step.PreviousResult(Skills.Payment) ?? throw new InvalidOperationException("The confirm step ran without the payment step's result.");
        var bank = banks.For(step.Skill);
        var bankPaymentId = ResultFields.Read(first, "bank_payment_id")!;
        var paymentId = ResultFields.Read(first, "payment_id")!;
        return await BankStep.RunAsync(async () =>
        {
            if (await BankStep.FinishEmbeddedAsync(step, bank, bank.PaymentPath(bankPaymentId), first, cancellationToken) is { } failed)
            {
                TransactionStatuses.Publish(step, paymentId, ResultFields.Read(first, "transaction_status"), "RJCT", banks.Clock.GetUtcNow());
                return failed with { Result = StepOutcome.ToJson(new { PaymentId = paymentId, TransactionStatus = "RJCT" }) };
            }

            var status = TransactionStatuses.Of(await bank.PaymentStatusAsync(bankPaymentId, ScaStepHandler.Headers(step, bank), cancellationToken));
            TransactionStatuses.Publish(step, paymentId, ResultFields.Read(first, "transaction_status"), status.Status, banks.Clock.GetUtcNow());
            var result = new { PaymentId = paymentId, TransactionStatus = status.Status };
            return status.State switch
            {
                ResourceState.Failed => StepOutcome.Failed(status.Code!, status.Message!) with { Result = StepOutcome.ToJson(result) },
                _ when TransactionStatuses.IsFinal(status.Status) => StepOutcome.Completed(result),
                _ => StepOutcome.Completed(result).ThenFollowUp(banks.Options.PollInterval, new { Attempt = 1, Status = status.Status }),
            };
        });
    }

    public async Task<StepOutcome?> FollowUpAsync(StepContext step, JsonElement? state, CancellationToken cancellationToken)
    {
        var first = step.PreviousResult(Skills.Payment)!;
        var paymentId = ResultFields.Read(first, "payment_id")!;
        var attempt = state?.GetProperty("attempt").GetInt32() ?? 1;
        var last = state?.GetProperty("status").GetString();
        string? status = null;
        try
        {
            status = TransactionStatuses.Of(await banks.For(step.Skill).PaymentStatusAsync(ResultFields.Read(first, "bank_payment_id")!, new BankHeaders(), cancellationToken)).Status;
            TransactionStatuses.Publish(step, paymentId, last, status, banks.Clock.GetUtcNow());
        }
        catch (Exception ex) when (ex is BankUnavailableException or BankRefusedException or BankResponseInvalidException)
        {
            LogPollFailed(logger, paymentId, attempt, ex.Message);
        }

        if (status is not null && TransactionStatuses.IsFinal(status))
        {
            return null;
        }

        if (attempt >= banks.Options.MaxPolls)
        {
            LogNotFinal(logger, paymentId, status ?? last ?? "", attempt);
            return null;
        }

        var delay = banks.Options.PollInterval * Math.Pow(1.5, attempt);
        return new StepOutcome(StepOutcomes.Completed, step.CurrentOutcome?.Result, null, null)
            .ThenFollowUp(delay > banks.Options.MaxPollInterval ? banks.Options.MaxPollInterval : delay, new { Attempt = attempt + 1, Status = status ?? last });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PAYMENT_STATUS_NOT_FINAL: payment {PaymentId} is still {Status} after {Polls} status polls; polling ends, the payment keeps that status")]
    private static partial void LogNotFinal(ILogger logger, string paymentId, string status, int polls);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Payment {PaymentId}: status poll {Attempt} failed, polling on: {Reason}")]
    private static partial void LogPollFailed(ILogger logger, string paymentId, int attempt, string reason);
}
