using System.Security.Cryptography;
using System.Text;

namespace Finqware.ServiceDefaults.Data.Idempotency;

/// <summary>
/// Seals a stored answer with AES-256-GCM under a key derived (HKDF-SHA256) from the client's Idempotency-Key and the
/// request's fingerprint. The database holds neither: only a caller that sends the same key with the same request can
/// read the answer back, so answers that carry secrets (nonces, new keys) are not kept in clear.
/// </summary>
public static class IdempotencyCipher
{
    private static readonly byte[] Info = Encoding.ASCII.GetBytes("finqware-idempotency-v1");

    public static byte[] Seal(string idempotencyKey, byte[] requestHash, ReadOnlySpan<byte> plaintext)
    {
        var sealedBody = new byte[12 + plaintext.Length + 16];
        var nonce = sealedBody.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Key(idempotencyKey, requestHash), 16);
        aes.Encrypt(nonce, plaintext, sealedBody.AsSpan(12, plaintext.Length), sealedBody.AsSpan(12 + plaintext.Length));
        return sealedBody;
    }

    /// <summary>The plaintext, or null when the body was not sealed for this key and request (or was changed).</summary>
    public static byte[]? Open(string idempotencyKey, byte[] requestHash, byte[] sealedBody)
    {
        if (sealedBody.Length < 28)
        {
            return null;
        }

        var plaintext = new byte[sealedBody.Length - 28];
        try
        {
            using var aes = new AesGcm(Key(idempotencyKey, requestHash), 16);
            aes.Decrypt(sealedBody.AsSpan(0, 12), sealedBody.AsSpan(12, plaintext.Length), sealedBody.AsSpan(12 + plaintext.Length), plaintext);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    private static byte[] Key(string idempotencyKey, byte[] requestHash) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(idempotencyKey), 32, requestHash, Info);
}
