using System.Security.Cryptography;
using System.Text;

namespace Finqware.TenantService.Tenants;

/// <summary>
/// Credentials from the operating system's CSPRNG (256 bits each), stored as SHA-256 and compared in constant time.
/// A plain hash suits them: they are random and long, so there is nothing to brute-force (passwords, which people
/// choose, use ASP.NET Core Identity's PBKDF2 hasher instead).
/// </summary>
public static class Secrets
{
    public static string NewClientId() => "fqc_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public static string NewValue(string kind) => Prefix(kind) + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>True when <paramref name="presented"/> hashes to <paramref name="storedHash"/>; time does not depend on where they differ.</summary>
    public static bool Matches(string presented, string storedHash)
    {
        var presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        Span<byte> stored = stackalloc byte[32];
        return Convert.FromHexString(storedHash, stored, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == 32
            && CryptographicOperations.FixedTimeEquals(presentedHash, stored);
    }

    private static string Prefix(string kind) => kind switch
    {
        KeyKinds.AppKey => "fqak_",
        KeyKinds.Secret => "fqsk_",
        KeyKinds.WebhookSecret => "fqwh_",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown key kind."),
    };

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
