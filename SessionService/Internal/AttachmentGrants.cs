using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Finqware.SessionService.Nonces;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Internal;

/// <summary>
/// Grants to read one step's documents (docs/security.md, "Attachments"), carried in <c>ProcessStep.AttachmentGrant</c>
/// to the skill's connector, which alone consumes the skill's queue: a macaroon (<see cref="Macaroon"/>, the nonces'
/// format) with the caveats <c>step_id = …</c> and <c>time &lt; …</c>, signed with a key of its own derived from the
/// nonce root key (HKDF, so a nonce is never a grant nor the reverse). Nothing is stored: the grant says what it
/// allows, its signature that this service said it.
/// </summary>
public sealed class AttachmentGrants(IOptions<NonceOptions> nonces, IOptions<InternalApiOptions> options, TimeProvider clock)
{
    public const string Location = "finqware-attachments";

    private readonly byte[] key = HKDF.DeriveKey(HashAlgorithmName.SHA256, nonces.Value.RootKeyBytes(), 32, info: Encoding.UTF8.GetBytes("finqware attachment grants v1"));

    /// <summary>A grant to read the documents of <paramref name="stepId"/> for <see cref="InternalApiOptions.GrantLifetime"/>.</summary>
    public string Issue(Guid stepId)
    {
        var until = clock.GetUtcNow() + options.Value.GrantLifetime;
        return Macaroon.Mint(key, Location, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
        [
            $"step_id = {stepId}",
            $"time < {until.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}",
        ]).Serialize();
    }

    /// <summary>The step whose documents <paramref name="grant"/> reads; null when it is forged, foreign, malformed or past its time.</summary>
    public Guid? StepOf(string? grant)
    {
        var macaroon = Macaroon.TryParse(grant);
        if (macaroon is null || macaroon.Location != Location || !macaroon.IsSignedWith(key) || macaroon.Caveats.Count != 2)
        {
            return null;
        }

        Guid? step = null;
        var current = false;
        foreach (var caveat in macaroon.Caveats)
        {
            var parts = caveat.Split(' ', 3);
            switch (parts)
            {
                case ["step_id", "=", var id] when step is null && Guid.TryParse(id, out var parsed):
                    step = parsed;
                    break;
                case ["time", "<", var time] when DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until):
                    current = clock.GetUtcNow() < until;
                    break;
                default:
                    return null;
            }
        }

        return current ? step : null;
    }
}
