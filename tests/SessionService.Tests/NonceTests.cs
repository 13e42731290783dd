using System.Buffers.Text;
using System.Text;
using Finqware.SessionService.Nonces;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Finqware.SessionService.Tests;

public sealed class NonceTests
{
    private static readonly string RootKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero));
    private readonly Guid session = Guid.NewGuid();

    private NonceService Nonces(string? rootKey = null) => new(Options.Create(new NonceOptions { RootKey = rootKey ?? RootKey }), clock);

    [Fact]
    public void A_minted_nonce_verifies_and_grants_its_session_client_and_step()
    {
        var (nonce, minted) = Nonces().Mint(session, "fqc_1", 2);

        var (grant, failure) = Nonces().Verify(nonce);

        Assert.Equal(NonceFailure.None, failure);
        Assert.Equal(minted, grant);
        Assert.Equal((session, "fqc_1", 2), (grant!.SessionId, grant.ClientId, grant.Seq));
        Assert.Equal(clock.GetUtcNow().AddMinutes(30), grant.ExpiresAt);
    }

    [Fact]
    public void It_decodes_as_a_v1_macaroon_with_location_finqware_and_a_time_caveat()
    {
        var (nonce, _) = Nonces().Mint(session, "fqc_1", 1);

        var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(nonce));

        Assert.StartsWith("0016location finqware\n", text, StringComparison.Ordinal);
        Assert.Contains("identifier ", text, StringComparison.Ordinal);
        Assert.Contains($"cid session_id = {session}\n", text, StringComparison.Ordinal);
        Assert.Contains("cid time < 2026-11-24T10:30:00.000Z\n", text, StringComparison.Ordinal);
        Assert.Contains("\n002fsignature ", text, StringComparison.Ordinal);
        var parsed = Macaroon.TryParse(nonce)!;
        Assert.Equal(4, parsed.Caveats.Count);
        Assert.Equal(nonce, parsed.Serialize());
    }

    [Fact]
    public void The_signature_is_libmacaroons_hmac_chain()
    {
        // Recomputed by hand: HMAC(HMAC("macaroons-key-generator" padded to 32, root), id), then each caveat.
        var root = Convert.FromBase64String(RootKey);
        var generator = new byte[32];
        "macaroons-key-generator"u8.CopyTo(generator);
        var expected = System.Security.Cryptography.HMACSHA256.HashData(
            System.Security.Cryptography.HMACSHA256.HashData(
                System.Security.Cryptography.HMACSHA256.HashData(generator, root), "id-1"u8), "seq = 1"u8);

        var macaroon = Macaroon.Mint(root, "finqware", "id-1", ["seq = 1"]);

        Assert.Equal(expected, macaroon.Signature);
    }

    [Fact]
    public void An_expired_nonce_is_refused_as_expired()
    {
        var (nonce, _) = Nonces().Mint(session, "fqc_1", 1);

        clock.Advance(TimeSpan.FromMinutes(30));

        Assert.Equal(NonceFailure.Expired, Nonces().Verify(nonce).Failure);
    }

    [Fact]
    public void A_nonce_with_any_byte_changed_is_invalid()
    {
        var (nonce, _) = Nonces().Mint(session, "fqc_1", 1);
        var bytes = Base64Url.DecodeFromChars(nonce);

        for (var i = 0; i < bytes.Length; i += 7)
        {
            var forged = (byte[])bytes.Clone();
            forged[i] ^= 0x01;
            Assert.Equal(NonceFailure.Invalid, Nonces().Verify(Base64Url.EncodeToString(forged)).Failure);
        }
    }

    [Fact]
    public void A_nonce_signed_with_another_root_key_is_invalid()
    {
        var (nonce, _) = Nonces(Convert.ToBase64String(new byte[32])).Mint(session, "fqc_1", 1);

        Assert.Equal(NonceFailure.Invalid, Nonces().Verify(nonce).Failure);
    }

    [Fact]
    public void An_extra_caveat_even_correctly_signed_is_invalid()
    {
        var (nonce, _) = Nonces().Mint(session, "fqc_1", 1);
        var parsed = Macaroon.TryParse(nonce)!;
        var caveats = parsed.Caveats.Append("role = admin").ToList();
        var attenuated = parsed with { Caveats = caveats, Signature = System.Security.Cryptography.HMACSHA256.HashData(parsed.Signature, "role = admin"u8) };

        Assert.True(attenuated.IsSignedBy(Convert.FromBase64String(RootKey)));
        Assert.Equal(NonceFailure.Invalid, Nonces().Verify(attenuated.Serialize()).Failure);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 at all!")]
    [InlineData("MDAwMQ")]
    [InlineData("F3YXJlCjAwMTZpZGVudGlmaWVyIG5vbmNlcwowMDJlY2lkIHRpbWU8MjAxOS0wNS0zMVQwOToxNToxNS41OTE5Nz")]
    public void Garbage_is_invalid(string nonce)
    {
        Assert.Equal(NonceFailure.Invalid, Nonces().Verify(nonce).Failure);
    }
}
