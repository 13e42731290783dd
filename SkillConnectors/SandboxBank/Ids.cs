using System.Security.Cryptography;
using System.Text;

namespace Finqware.SkillConnectors.SandboxBank;

/// <summary>
/// The ids the connector hands out, derived from the step that created them: a step run again (a redelivery after a
/// crash) creates the same consent or payment, never a second one. Accounts and transactions are scoped to their
/// connection (as Plaid does): two consents of the same user have the same data under different ids.
/// </summary>
public static class Ids
{
    public static string Connection(Guid consentStepId) => "con_" + Hash("connection", consentStepId.ToString());

    public static string Payment(Guid paymentStepId) => "pay_" + Hash("payment", paymentStepId.ToString());

    public static string Account(string connectionId, string accountReference) => "acc_" + Hash("account", connectionId, accountReference);

    /// <summary>The same from pending to booked: it is made of the bank's entry reference.</summary>
    public static string Transaction(string connectionId, string accountReference, string entryReference) =>
        "txn_" + Hash("transaction", connectionId, accountReference, entryReference);

    /// <summary>The random part of a redirect URL: only the user the tenant sent there knows it.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static string Hash(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('|', parts))))[..24];
}
