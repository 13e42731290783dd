using System.Security.Cryptography;
using Finqware.ServiceDefaults.Security;

namespace Finqware.ServiceDefaults.Tests;

public sealed class SealedBoxTests
{
    private static readonly (string Private, string Public) Pair = SealedBox.NewKeyPair();

    [Fact]
    public void A_sealed_value_opens_with_the_private_key_and_context_only()
    {
        var value = RandomNumberGenerator.GetBytes(32);
        var sealedValue = SealedBox.Seal(SealedBox.ImportPublicKey(Pair.Public), value, "webhook|fqc_a|1");
        using var recipient = SealedBox.ImportPrivateKey(Pair.Private);
        using var stranger = SealedBox.ImportPrivateKey(SealedBox.NewKeyPair().PrivateKey);

        Assert.Equal(value, SealedBox.Open(recipient, sealedValue, "webhook|fqc_a|1"));
        Assert.Null(SealedBox.Open(recipient, sealedValue, "webhook|fqc_b|1"));
        Assert.Null(SealedBox.Open(stranger, sealedValue, "webhook|fqc_a|1"));
        Assert.DoesNotContain(Convert.ToBase64String(value), sealedValue, StringComparison.Ordinal);
    }

    [Fact]
    public void Sealing_twice_gives_two_different_sealed_forms()
    {
        var key = SealedBox.ImportPublicKey(Pair.Public);

        Assert.NotEqual(SealedBox.Seal(key, "same"u8, "c"), SealedBox.Seal(key, "same"u8, "c"));
    }

    [Fact]
    public void Every_tampered_byte_and_every_malformed_form_is_refused_without_throwing()
    {
        using var recipient = SealedBox.ImportPrivateKey(Pair.Private);
        var sealedBytes = Convert.FromBase64String(SealedBox.Seal(SealedBox.ImportPublicKey(Pair.Public), "value"u8, "c"));
        for (var i = 0; i < sealedBytes.Length; i++)
        {
            var tampered = sealedBytes.ToArray();
            tampered[i] ^= 0x01;
            Assert.Null(SealedBox.Open(recipient, Convert.ToBase64String(tampered), "c"));
        }

        foreach (var malformed in new[] { "", "not base64!", Convert.ToBase64String(sealedBytes[..40]), Convert.ToBase64String(new byte[200]) })
        {
            Assert.Null(SealedBox.Open(recipient, malformed, "c"));
        }
    }

    [Fact]
    public void The_public_key_of_a_private_key_is_its_pair_and_other_curves_are_refused()
    {
        Assert.Equal(Pair.Public, SealedBox.PublicKeyOf(Pair.Private));
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        Assert.ThrowsAny<CryptographicException>(() => SealedBox.ImportPrivateKey(Convert.ToBase64String(p384.ExportPkcs8PrivateKey())));
        Assert.ThrowsAny<CryptographicException>(() => SealedBox.ImportPublicKey(Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo())));
    }
}
