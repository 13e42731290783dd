using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Nonces;

/// <summary>
/// Mints and verifies the session nonces of the seed as macaroons bound to one session, one tenant and one step
/// number, valid until <c>time &lt;</c>: what a nonce says, checked by its signature alone. Whether it is the session's
/// current one and still unused is <see cref="SessionNonces"/>' business, the only user of this class.
/// </summary>
public sealed class NonceMacaroons(IOptions<NonceOptions> options, TimeProvider clock)
{
    public const string Location = "finqware";

    private readonly byte[] rootKey = options.Value.RootKeyBytes();

    public IssuedNonce Mint(Guid sessionId, string clientId, int seq)
    {
        var expiresAt = TruncateToSeconds(clock.GetUtcNow() + options.Value.Lifetime);
        var identifier = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var macaroon = Macaroon.Mint(rootKey, Location, identifier,
        [
            $"session_id = {sessionId}",
            $"client_id = {clientId}",
            $"seq = {seq.ToString(CultureInfo.InvariantCulture)}",
            $"time < {expiresAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}",
        ]);
        return new IssuedNonce(macaroon.Serialize(), identifier, seq, expiresAt);
    }

    /// <summary>
    /// Verifies the signature, then every caveat: all four must be present and hold, and any other caveat makes the
    /// nonce invalid. A forged or foreign nonce is <see cref="NonceVerdict.Invalid"/>; a good one past its time is
    /// <see cref="NonceVerdict.Expired"/>.
    /// </summary>
    public NonceCheck Verify(string? nonce, Guid sessionId, string clientId)
    {
        var macaroon = Macaroon.TryParse(nonce);
        if (macaroon is null || macaroon.Location != Location || !macaroon.IsSignedWith(rootKey))
        {
            return NonceCheck.Invalid;
        }

        bool session = false, client = false, expired = false;
        int? seq = null;
        DateTimeOffset? expiresAt = null;
        foreach (var caveat in macaroon.Caveats)
        {
            var (key, op, value) = Split(caveat);
            switch (key, op)
            {
                case ("session_id", "=") when !session && Guid.TryParse(value, out var id) && id == sessionId:
                    session = true;
                    break;
                case ("client_id", "=") when !client && value == clientId:
                    client = true;
                    break;
                case ("seq", "=") when seq is null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0:
                    seq = number;
                    break;
                case ("time", "<") when expiresAt is null && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until):
                    expiresAt = until;
                    expired = clock.GetUtcNow() >= until;
                    break;
                default:
                    return NonceCheck.Invalid;
            }
        }

        if (!session || !client || seq is null || expiresAt is null)
        {
            return NonceCheck.Invalid;
        }

        return new NonceCheck(expired ? NonceVerdict.Expired : NonceVerdict.Valid, macaroon.Identifier, seq.Value, expiresAt);
    }

    private static (string Key, string Op, string Value) Split(string caveat)
    {
        var parts = caveat.Split(' ', 3);
        return parts.Length == 3 ? (parts[0], parts[1], parts[2]) : ("", "", "");
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        new(value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
