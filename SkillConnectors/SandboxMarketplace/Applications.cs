using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.Sdk;

namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary>Application statuses, as <see cref="ApplicationUpdated.Status"/> and the step results carry them.</summary>
public static class ApplicationStatus
{
    public const string Offered = "OFFERED";
    public const string VerificationPending = "VERIFICATION_PENDING";
    public const string Approved = "APPROVED";
    public const string Rejected = "REJECTED";
    public const string ContractSigned = "CONTRACT_SIGNED";
}

/// <summary>What differs between the marketplace's products: the skill, the product name, the step that makes the offer.</summary>
public sealed record MarketplaceProduct(string SkillId, string Product, string OfferStep, string IdPrefix)
{
    public static readonly MarketplaceProduct Deposit = new(DepositSkill.SkillId, "deposit", "product_form", "dep");

    public static readonly MarketplaceProduct CreditCard = new(CreditCardSkill.SkillId, "credit_card", "card_form", "cc");

    public static MarketplaceProduct Of(string skillId) =>
        skillId == Deposit.SkillId ? Deposit
        : skillId == CreditCard.SkillId ? CreditCard
        : throw new InvalidOperationException($"The sandbox marketplace does not serve '{skillId}'.");
}

/// <summary>
/// One application per session. Its ids are derived from the session id, so a step run twice (a redelivery after a
/// crash) names the same application and the same contract: at-least-once delivery never makes a second one.
/// </summary>
public static class Applications
{
    public static string ApplicationId(MarketplaceProduct product, Guid sessionId) => $"{product.IdPrefix}_app_{Digest("application", sessionId)}";

    public static string ContractId(MarketplaceProduct product, Guid sessionId) => $"{product.IdPrefix}_ctr_{Digest("contract", sessionId)}";

    /// <summary>A few stable digits of the session (e.g. the last digits of a sandbox card number).</summary>
    public static string Digits(Guid sessionId, int count)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"digits:{sessionId:N}"));
        var builder = new StringBuilder(count);
        for (var i = 0; i < count; i++)
        {
            builder.Append((char)('0' + hash[i] % 10));
        }

        return builder.ToString();
    }

    /// <summary>Amounts are strings with two decimals, as Berlin Group writes them ("103250.00").</summary>
    public static string Money(decimal amount) => Math.Round(amount, 2, MidpointRounding.AwayFromZero).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>Percentages the same way ("3.25").</summary>
    public static string Percent(decimal rate) => Money(rate);

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The offer the session's offer step made (its result's <c>offer</c>), if any.</summary>
    public static JsonElement? Offer(StepContext step, MarketplaceProduct product) =>
        step.PreviousResult(product.OfferStep) is { ValueKind: JsonValueKind.Object } result && result.TryGetProperty("offer", out var offer) ? offer : null;

    /// <summary>Publishes the application's new state with the step's outcome.</summary>
    public static void PublishUpdate(
        StepContext step, MarketplaceProduct product, string status, DateTimeOffset at, JsonElement? offer, object? contract = null, string? reason = null) =>
        step.Publish(new ApplicationUpdated
        {
            ApplicationId = ApplicationId(product, step.SessionId),
            SessionId = step.SessionId,
            ClientId = step.ClientId,
            Skill = step.Skill,
            Product = product.Product,
            Status = status,
            Offer = offer,
            Contract = StepOutcome.ToJson(contract),
            Reason = reason,
            At = at,
        });

    /// <summary>The offer step's outcome: the application is OFFERED with <paramref name="terms"/>, published and returned.</summary>
    public static StepOutcome Offered(StepContext step, MarketplaceProduct product, object terms, DateTimeOffset at)
    {
        var offer = StepOutcome.ToJson(terms);
        PublishUpdate(step, product, ApplicationStatus.Offered, at, offer);
        return StepOutcome.Completed(new { ApplicationId = ApplicationId(product, step.SessionId), Status = ApplicationStatus.Offered, Offer = offer });
    }

    /// <summary>
    /// The signing step's outcome: the offer the session's offer step made, accepted as <paramref name="contract"/> (made
    /// from the offer and the contract's id), published as CONTRACT_SIGNED and returned; OFFER_MISSING when the session has
    /// no <paramref name="offerName"/> offer.
    /// </summary>
    public static StepOutcome Signed(StepContext step, MarketplaceProduct product, string offerName, DateTimeOffset at, Func<JsonElement, string, object> contract)
    {
        if (Offer(step, product) is not { } offer)
        {
            return StepOutcome.Failed("OFFER_MISSING", $"The session has no {offerName} offer to sign.");
        }

        var signed = contract(offer, ContractId(product, step.SessionId));
        PublishUpdate(step, product, ApplicationStatus.ContractSigned, at, offer, signed);
        return StepOutcome.Completed(new { ApplicationId = ApplicationId(product, step.SessionId), Status = ApplicationStatus.ContractSigned, Contract = signed });
    }

    /// <summary>A refusal that still tells the tenant which application it concerns (its result carries the id).</summary>
    public static StepOutcome Refused(StepContext step, MarketplaceProduct product, string code, string message, DateTimeOffset at, JsonElement? offer = null)
    {
        PublishUpdate(step, product, ApplicationStatus.Rejected, at, offer, reason: code);
        return StepOutcome.Failed(code, message) with
        {
            Result = StepOutcome.ToJson(new { ApplicationId = ApplicationId(product, step.SessionId), Status = ApplicationStatus.Rejected, Reason = code }),
        };
    }

    private static string Digest(string purpose, Guid sessionId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{purpose}:{sessionId:N}")))[..24];
}
