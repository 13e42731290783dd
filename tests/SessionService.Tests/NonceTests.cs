using System.Buffers.Text;
using Finqware.SessionService.Nonces;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Finqware.SessionService.Tests;

public sealed class NonceTests
{
    private static readonly NonceOptions Options = new() { RootKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("a test root key of thirty-two bytes at least")) };
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly Guid session = Guid.NewGuid();

    private NonceMacaroons Service() => new(Microsoft.Extensions.Options.Options.Create(Options), clock);

    [Fact]
    public void A_minted_nonce_verifies_for_its_session_and_tenant()
    {
        var nonce = Service().Mint(session, "fqc_a", 3);

        var check = Service().Verify(nonce.Value, session, "fqc_a");

        Assert.Equal(NonceVerdict.Valid, check.Verdict);
        Assert.Equal(3, check.Seq);
        Assert.Equal(nonce.Identifier, check.Identifier);
        Assert.Equal(clock.GetUtcNow().AddMinutes(30), check.ExpiresAt);
    }

    [Fact]
    public void The_nonce_decodes_as_a_v1_macaroon_with_location_finqware_and_a_time_caveat()
    {
        var nonce = Service().Mint(session, "fqc_a", 1);

        var bytes = Base64Url.DecodeFromChars(nonce.Value);
        var text = Encoding.Latin1.GetString(bytes);

        Assert.StartsWith("0016location finqware\n", text, StringComparison.Ordinal);
        Assert.Contains("identifier ", text, StringComparison.Ordinal);
        Assert.Contains($"cid session_id = {session}\n", text, StringComparison.Ordinal);
        Assert.Contains("cid client_id = fqc_a\n", text, StringComparison.Ordinal);
        Assert.Contains("cid seq = 1\n", text, StringComparison.Ordinal);
        Assert.Contains("cid time < 2026-01-02T03:34:05Z\n", text, StringComparison.Ordinal);
        Assert.Contains("002fsignature ", text, StringComparison.Ordinal);
        Assert.DoesNotContain('+', nonce.Value);
        Assert.DoesNotContain('/', nonce.Value);
    }

    [Fact]
    public void The_signature_is_the_libmacaroons_hmac_chain()
    {
        // Computed independently: k = HMAC(pad32("macaroons-key-generator"), root); sig = HMAC(k, id); sig = HMAC(sig, cid)...
        var root = Encoding.UTF8.GetBytes("this is our super secret key; only we should know it");
        var generator = new byte[32];
        Encoding.ASCII.GetBytes("macaroons-key-generator").CopyTo(generator, 0);
        var expected = System.Security.Cryptography.HMACSHA256.HashData(
            System.Security.Cryptography.HMACSHA256.HashData(System.Security.Cryptography.HMACSHA256.HashData(generator, root), "we used our secret key"u8.ToArray()),
            "account = 3735928559"u8.ToArray());

        var macaroon = Macaroon.Mint(root, "http://mybank/", "we used our secret key", ["account = 3735928559"]);

        Assert.Equal(expected, macaroon.Signature);
        var parsed = Macaroon.TryParse(macaroon.Serialize());
        Assert.NotNull(parsed);
        Assert.Equal(macaroon.Caveats, parsed.Caveats);
        Assert.Equal(macaroon.Identifier, parsed.Identifier);
        Assert.True(parsed.IsSignedWith(root));
    }

    [Fact]
    public void Any_single_byte_changed_makes_the_nonce_invalid()
    {
        var nonce = Service().Mint(session, "fqc_a", 1);
        var bytes = Base64Url.DecodeFromChars(nonce.Value);
        for (var i = 0; i < bytes.Length; i++)
        {
            var forged = (byte[])bytes.Clone();
            forged[i] ^= 0x01;
            Assert.Equal(NonceVerdict.Invalid, Service().Verify(Base64Url.EncodeToString(forged), session, "fqc_a").Verdict);
        }
    }

    [Fact]
    public void A_nonce_is_expired_after_its_lifetime()
    {
        var nonce = Service().Mint(session, "fqc_a", 1);

        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(NonceVerdict.Valid, Service().Verify(nonce.Value, session, "fqc_a").Verdict);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(NonceVerdict.Expired, Service().Verify(nonce.Value, session, "fqc_a").Verdict);
    }

    [Fact]
    public void Another_sessions_or_tenants_nonce_is_invalid()
    {
        var nonce = Service().Mint(session, "fqc_a", 1);

        Assert.Equal(NonceVerdict.Invalid, Service().Verify(nonce.Value, Guid.NewGuid(), "fqc_a").Verdict);
        Assert.Equal(NonceVerdict.Invalid, Service().Verify(nonce.Value, session, "fqc_b").Verdict);
    }

    [Fact]
    public void A_validly_signed_nonce_with_an_unknown_caveat_is_invalid()
    {
        var root = Options.RootKeyBytes();
        var caveats = new[] { $"session_id = {session}", "client_id = fqc_a", "seq = 1", "time < 2026-01-02T04:00:00Z" };
        Assert.Equal(NonceVerdict.Valid, Service().Verify(Macaroon.Mint(root, "finqware", "id1", caveats).Serialize(), session, "fqc_a").Verdict);

        var extended = Macaroon.Mint(root, "finqware", "id1", [.. caveats, "role = admin"]).Serialize();
        var missing = Macaroon.Mint(root, "finqware", "id1", caveats[..3]).Serialize();
        var otherKey = Macaroon.Mint(new byte[32], "finqware", "id1", caveats).Serialize();

        Assert.Equal(NonceVerdict.Invalid, Service().Verify(extended, session, "fqc_a").Verdict);
        Assert.Equal(NonceVerdict.Invalid, Service().Verify(missing, session, "fqc_a").Verdict);
        Assert.Equal(NonceVerdict.Invalid, Service().Verify(otherKey, session, "fqc_a").Verdict);
        Assert.Equal(NonceVerdict.Invalid, Service().Verify("not a macaroon", session, "fqc_a").Verdict);
        Assert.Equal(NonceVerdict.Invalid, Service().Verify("", session, "fqc_a").Verdict);
    }

    [Fact]
    public void The_root_key_option_names_its_key_when_missing_or_short()
    {
        Assert.False(NonceOptions.HasUsableKey(new NonceOptions { RootKey = "c2hvcnQ=" }));
        Assert.False(NonceOptions.HasUsableKey(new NonceOptions { RootKey = "%%%" }));
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        var empty = new NonceOptions();
        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(empty, new(empty), results, true));
        Assert.Contains("Nonces__RootKey", results.Single().ErrorMessage, StringComparison.Ordinal);
    }
}
