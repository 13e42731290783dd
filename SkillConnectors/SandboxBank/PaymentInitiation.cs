using System.Globalization;
using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.Sdk;
using Microsoft.Extensions.Options;

namespace Finqware.SkillConnectors.SandboxBank;

/// <summary>Berlin Group transaction statuses the sandbox bank uses.</summary>
public static class TransactionStatuses
{
    public const string Received = "RCVD";
    public const string AcceptedTechnicalValidation = "ACTC";
    public const string AcceptedSettlementInProcess = "ACSP";
    public const string AcceptedSettlementCompleted = "ACSC";
    public const string Rejected = "RJCT";
    public const string Cancelled = "CANC";
}

/// <summary>
/// The bank's payment initiation service: a payment is received (RCVD) with its form, authorised by SCA (ACTC, or
/// RJCT for insufficient funds, or ACTC then CANC), then settles (ACSP, ACSC) on follow-ups. Every status goes out as
/// <see cref="PaymentStatusChanged"/>, after one <see cref="PaymentInitiated"/>.
/// </summary>
public sealed class PaymentInitiation(IOptions<SandboxBankOptions> options, TimeProvider clock)
{
    public StepOutcome Initiate(StepContext step)
    {
        var iban = Iban.Normalize(step.DataString("creditor_iban") ?? "");
        if (!Iban.IsValid(iban))
        {
            return StepOutcome.Failed("INVALID_CREDITOR_IBAN", "The creditor IBAN's check digits are wrong (ISO 13616 mod-97).");
        }

        if (!decimal.TryParse(step.DataString("amount"), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            return StepOutcome.Failed("INVALID_AMOUNT", "The amount must be more than 0.00.");
        }

        var now = clock.GetUtcNow();
        var paymentId = Ids.Payment(step.StepId);
        var creditor = step.DataString("creditor_name")!;
        var currency = step.DataString("currency")!;
        var remittance = step.DataString("remittance_information");
        step.Publish(new PaymentInitiated
        {
            PaymentId = paymentId,
            SessionId = step.SessionId,
            StepId = step.StepId,
            ClientId = step.ClientId,
            Skill = step.Skill,
            CreditorName = creditor,
            CreditorIban = iban,
            Amount = amount,
            Currency = currency,
            RemittanceInformation = remittance,
            Status = TransactionStatuses.Received,
            At = now,
        });
        Status(step, paymentId, TransactionStatuses.Received, null, now);
        return StepOutcome.Completed(new
        {
            PaymentId = paymentId,
            TransactionStatus = TransactionStatuses.Received,
            CreditorName = creditor,
            CreditorIban = iban,
            Amount = SandboxUsers.Format(amount),
            Currency = currency,
            RemittanceInformation = remittance,
        });
    }

    /// <summary>SCA done: the bank accepts the payment (and settles it later), or rejects or cancels it by its amount.</summary>
    public StepOutcome Authorised(StepContext step)
    {
        var (paymentId, amount) = Payment(step);
        var now = clock.GetUtcNow();
        if (amount == SandboxUsers.InsufficientFundsAmount)
        {
            Status(step, paymentId, TransactionStatuses.Rejected, "AM04 insufficient funds", now);
            return Failed("INSUFFICIENT_FUNDS", "The debtor account has insufficient funds (AM04).", paymentId, TransactionStatuses.Rejected);
        }

        Status(step, paymentId, TransactionStatuses.AcceptedTechnicalValidation, null, now);
        if (amount == SandboxUsers.CancelledAmount)
        {
            Status(step, paymentId, TransactionStatuses.Cancelled, "Cancelled by the bank before execution", now);
            return Failed("PAYMENT_CANCELLED", "The bank cancelled the payment before execution.", paymentId, TransactionStatuses.Cancelled);
        }

        return StepOutcome.Completed(new { PaymentId = paymentId, TransactionStatus = TransactionStatuses.AcceptedTechnicalValidation })
            .ThenFollowUp(options.Value.PaymentStatusDelay, new { Phase = TransactionStatuses.AcceptedSettlementInProcess });
    }

    /// <summary>SCA failed (wrong OTP, denied on the bank's page): the payment is rejected.</summary>
    public StepOutcome ScaFailed(StepContext step, string code, string message)
    {
        var (paymentId, _) = Payment(step);
        Status(step, paymentId, TransactionStatuses.Rejected, message, clock.GetUtcNow());
        return Failed(code, message, paymentId, TransactionStatuses.Rejected);
    }

    /// <summary>The settlement's next status (ACSP, then ACSC), published after the step completed.</summary>
    public StepOutcome? Settle(StepContext step, string phase)
    {
        var (paymentId, _) = Payment(step);
        Status(step, paymentId, phase, null, clock.GetUtcNow());
        return phase == TransactionStatuses.AcceptedSettlementInProcess
            ? StepOutcome.Completed(new { PaymentId = paymentId, TransactionStatus = TransactionStatuses.AcceptedTechnicalValidation })
                .ThenFollowUp(options.Value.PaymentStatusDelay, new { Phase = TransactionStatuses.AcceptedSettlementCompleted })
            : null;
    }

    private static StepOutcome Failed(string code, string message, string paymentId, string status) =>
        StepOutcome.Failed(code, message) with { Result = StepOutcome.ToJson(new { PaymentId = paymentId, TransactionStatus = status }) };

    private static (string PaymentId, decimal Amount) Payment(StepContext step)
    {
        var form = step.PreviousResult("payment_form")
            ?? throw new InvalidOperationException("The payment's SCA ran without the result of its payment_form step.");
        return (form.GetProperty("payment_id").GetString()!,
            decimal.Parse(form.GetProperty("amount").GetString()!, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture));
    }

    private static void Status(StepContext step, string paymentId, string status, string? reason, DateTimeOffset at) =>
        step.Publish(new PaymentStatusChanged { PaymentId = paymentId, SessionId = step.SessionId, ClientId = step.ClientId, Status = status, Reason = reason, At = at });
}
