using System.Security.Cryptography;
using System.Text;

namespace Finqware.SkillConnectors.BerlinGroup;

/// <summary>
/// Finqware's ids for what a bank holds, made from the step that created it and the bank's own ids: a step run again gives
/// the same connection or payment, and two consents that a bank (or a stateless mock) gives the same ids stay apart.
/// </summary>
public static class Ids
{
    public static string Connection(Guid consentStepId) => "con_" + Hash("bg-connection", consentStepId.ToString());

    public static string Payment(Guid paymentStepId) => "pay_" + Hash("bg-payment", paymentStepId.ToString());

    public static string Account(string connectionId, string resourceId) => "acc_" + Hash("bg-account", connectionId, resourceId);

    public static string Transaction(string connectionId, string resourceId, string reference) => "txn_" + Hash("bg-transaction", connectionId, resourceId, reference);

    private static string Hash(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('|', parts))))[..24];
}
