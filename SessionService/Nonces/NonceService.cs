using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Nonces;

/// <summary>
/// Mints and verifies the session nonces of the seed: macaroons bound to one session, one tenant and one step
/// number, valid until <c>time &lt;</c>. Single use is enforced by the caller's transaction (see SessionNonceGuard).
/// </summary>
public sealed class NonceService(IOptions<NonceOptions> options, TimeProvider clock)
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

public sealed record IssuedNonce(string Value, string Identifier, int Seq, DateTimeOffset ExpiresAt);

public enum NonceVerdict
{
    Invalid,
    Expired,
    Valid,
}

public sealed record NonceCheck(NonceVerdict Verdict, string? Identifier, int Seq, DateTimeOffset? ExpiresAt)
{
    public static readonly NonceCheck Invalid = new(NonceVerdict.Invalid, null, 0, null);
}
