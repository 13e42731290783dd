using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Nonces;

public sealed class NonceOptions
{
    public const string Section = "Nonces";

    /// <summary>Base64 of at least 32 random bytes: the root key every nonce is signed with.</summary>
    [Required(ErrorMessage = "Nonces:RootKey (environment Nonces__RootKey) is required: base64 of 32 random bytes, e.g. `openssl rand -base64 32`.")]
    public string RootKey { get; set; } = "";

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(30);

    public string Location { get; set; } = "finqware";
}

/// <summary>What a valid nonce allows: submitting step number <see cref="Seq"/> of one session, for one tenant.</summary>
public sealed record NonceGrant(string Identifier, Guid SessionId, string ClientId, int Seq, DateTimeOffset ExpiresAt);

public enum NonceFailure
{
    None,
    Invalid,
    Expired,
}

/// <summary>
/// Mints and verifies the session nonces (DESIGN §3.3): macaroons with the first-party caveats
/// <c>session_id = …</c>, <c>client_id = …</c>, <c>seq = …</c> and <c>time &lt; …</c>. A caveat the verifier does not
/// know makes the nonce invalid. Single use is enforced where the step is recorded, in the same transaction.
/// </summary>
public sealed class NonceService(IOptions<NonceOptions> options, TimeProvider clock)
{
    private byte[] RootKey => Convert.FromBase64String(options.Value.RootKey) is { Length: >= 32 } key
        ? key
        : throw new InvalidOperationException("Nonces:RootKey must be base64 of at least 32 bytes.");

    public (string Nonce, NonceGrant Grant) Mint(Guid sessionId, string clientId, int seq)
    {
        var expires = clock.GetUtcNow() + options.Value.Lifetime;
        var identifier = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var macaroon = Macaroon.Mint(RootKey, options.Value.Location, identifier,
        [
            $"session_id = {sessionId}",
            $"client_id = {clientId}",
            $"seq = {seq.ToString(CultureInfo.InvariantCulture)}",
            $"time < {expires.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)}",
        ]);
        return (macaroon.Serialize(), new NonceGrant(identifier, sessionId, clientId, seq, expires));
    }

    /// <summary>Verifies signature and caveats; the grant says which session, tenant and step it opens.</summary>
    public (NonceGrant? Grant, NonceFailure Failure) Verify(string? nonce)
    {
        var macaroon = Macaroon.TryParse(nonce);
        if (macaroon is null || macaroon.Location != options.Value.Location || !macaroon.IsSignedBy(RootKey))
        {
            return (null, NonceFailure.Invalid);
        }

        Guid? session = null;
        string? client = null;
        int? seq = null;
        DateTimeOffset? expires = null;
        foreach (var caveat in macaroon.Caveats)
        {
            switch (caveat)
            {
                case var c when c.StartsWith("session_id = ", StringComparison.Ordinal) && session is null && Guid.TryParse(c[13..], out var s):
                    session = s;
                    break;
                case var c when c.StartsWith("client_id = ", StringComparison.Ordinal) && client is null:
                    client = c[12..];
                    break;
                case var c when c.StartsWith("seq = ", StringComparison.Ordinal) && seq is null
                    && int.TryParse(c[6..], NumberStyles.None, CultureInfo.InvariantCulture, out var n):
                    seq = n;
                    break;
                case var c when c.StartsWith("time < ", StringComparison.Ordinal) && expires is null
                    && DateTimeOffset.TryParse(c[7..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t):
                    expires = t;
                    break;
                default:
                    return (null, NonceFailure.Invalid);
            }
        }

        if (session is null || client is null || seq is null || expires is null)
        {
            return (null, NonceFailure.Invalid);
        }

        return clock.GetUtcNow() >= expires
            ? (null, NonceFailure.Expired)
            : (new NonceGrant(macaroon.Identifier, session.Value, client, seq.Value, expires.Value), NonceFailure.None);
    }
}
