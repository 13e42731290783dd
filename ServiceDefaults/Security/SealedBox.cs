using System.Security.Cryptography;
using System.Text;

namespace Finqware.ServiceDefaults.Security;

/// <summary>
/// Seals a small value to one recipient's public key (ECIES on P-256: an ephemeral ECDH key, HKDF-SHA256, AES-256-GCM),
/// so that whoever stores or carries the sealed form cannot read it: only the holder of the private key opens it. A
/// <c>context</c> (what the value is and whose) is bound into the key derivation and authenticated, so a sealed value
/// moved to another context does not open. Keys are base64 DER: PKCS#8 for the private key, SubjectPublicKeyInfo for
/// the public one (<c>openssl ecparam -name prime256v1 -genkey</c>, see docs/security.md).
/// Sealed form, base64: version (1) | ephemeral public point, uncompressed (65) | nonce (12) | tag (16) | ciphertext.
/// </summary>
public static class SealedBox
{
    private const byte Version = 1;
    private const int PointLength = 65;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int HeaderLength = 1 + PointLength + NonceLength + TagLength;

    public static string Seal(ECDiffieHellmanPublicKey recipient, ReadOnlySpan<byte> plaintext, string context)
    {
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var ephemeralPoint = Point(ephemeral.ExportParameters(includePrivateParameters: false));
        var key = DeriveKey(ephemeral.DeriveRawSecretAgreement(recipient), ephemeralPoint, Point(recipient.ExportParameters()), context);
        var sealedBytes = new byte[HeaderLength + plaintext.Length];
        sealedBytes[0] = Version;
        ephemeralPoint.CopyTo(sealedBytes, 1);
        var nonce = sealedBytes.AsSpan(1 + PointLength, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key, TagLength))
        {
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(HeaderLength), sealedBytes.AsSpan(1 + PointLength + NonceLength, TagLength), Encoding.UTF8.GetBytes(context));
        }

        CryptographicOperations.ZeroMemory(key);
        return Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The sealed value, or null when it is malformed, was sealed to another key or for another context.</summary>
    public static byte[]? Open(ECDiffieHellman recipient, string sealedValue, string context)
    {
        byte[] buffer;
        try
        {
            buffer = Convert.FromBase64String(sealedValue);
        }
        catch (FormatException)
        {
            return null;
        }

        if (buffer.Length < HeaderLength || buffer[0] != Version)
        {
            return null;
        }

        var ephemeralPoint = buffer.AsSpan(1, PointLength).ToArray();
        byte[] shared;
        try
        {
            using var ephemeral = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = ephemeralPoint[1..33], Y = ephemeralPoint[33..] },
            });
            shared = recipient.DeriveRawSecretAgreement(ephemeral.PublicKey);
        }
        catch (CryptographicException)
        {
            return null;
        }

        var key = DeriveKey(shared, ephemeralPoint, Point(recipient.ExportParameters(includePrivateParameters: false)), context);
        var plaintext = new byte[buffer.Length - HeaderLength];
        try
        {
            using var aes = new AesGcm(key, TagLength);
            aes.Decrypt(buffer.AsSpan(1 + PointLength, NonceLength), buffer.AsSpan(HeaderLength), buffer.AsSpan(1 + PointLength + NonceLength, TagLength), plaintext,
                Encoding.UTF8.GetBytes(context));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>A recipient's private key from base64 PKCS#8 DER (P-256 only).</summary>
    public static ECDiffieHellman ImportPrivateKey(string base64Pkcs8)
    {
        var key = ECDiffieHellman.Create();
        key.ImportPkcs8PrivateKey(Convert.FromBase64String(base64Pkcs8), out _);
        return RequireP256(key);
    }

    /// <summary>A recipient's public key from base64 SubjectPublicKeyInfo DER (P-256 only).</summary>
    public static ECDiffieHellmanPublicKey ImportPublicKey(string base64Spki)
    {
        using var key = ECDiffieHellman.Create();
        key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(base64Spki), out _);
        return RequireP256(key).PublicKey;
    }

    /// <summary>A new key pair: (base64 PKCS#8 private key, base64 SubjectPublicKeyInfo public key).</summary>
    public static (string PrivateKey, string PublicKey) NewKeyPair()
    {
        using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return (Convert.ToBase64String(key.ExportPkcs8PrivateKey()), Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The public key (base64 SubjectPublicKeyInfo) of a private key (base64 PKCS#8).</summary>
    public static string PublicKeyOf(string base64Pkcs8)
    {
        using var key = ImportPrivateKey(base64Pkcs8);
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    private static ECDiffieHellman RequireP256(ECDiffieHellman key)
    {
        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        if (!curve.IsNamed || curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            key.Dispose();
            throw new CryptographicException("The key must be on the P-256 curve (prime256v1).");
        }

        return key;
    }

    private static byte[] DeriveKey(byte[] shared, byte[] ephemeralPoint, byte[] recipientPoint, string context)
    {
        try
        {
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, [.. ephemeralPoint, .. recipientPoint], Encoding.UTF8.GetBytes("finqware sealed box v1|" + context));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    private static byte[] Point(ECParameters parameters) => [0x04, .. parameters.Q.X!, .. parameters.Q.Y!];
}
