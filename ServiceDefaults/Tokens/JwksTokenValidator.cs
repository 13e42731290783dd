using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Finqware.ServiceDefaults.Tokens;

/// <summary>Where TenantService's tokens are checked: their issuer, the audiences accepted, the published keys and their cache.</summary>
public sealed record JwksSettings(string Issuer, IReadOnlyCollection<string> Audiences, Uri JwksUri, TimeSpan CacheDuration, TimeSpan MinimumRefreshInterval);

/// <summary>A token that validated: the audience it was issued for and its claims.</summary>
public sealed record ValidatedToken(string Audience, IReadOnlyDictionary<string, object> Claims)
{
    public string? Claim(string name) => Claims.TryGetValue(name, out var value) ? value as string : null;
}

/// <summary>
/// Validates TenantService's tokens locally (ES256 signature, issuer, audience, lifetime) against its JWKS, fetched once
/// and cached; an unknown key id triggers one rate-limited refresh (key rotation). A token that validated is remembered
/// (by its SHA-256) until it expires or for a minute at most, so a caller polling with the same token does not pay for an
/// ECDSA verification on every request. Never throws for what a client sends: anything that is not a valid token is null.
/// </summary>
public sealed partial class JwksTokenValidator(Func<HttpClient> http, JwksSettings settings, ILogger logger)
{
    private static readonly JsonWebTokenHandler Handler = new();
    private static readonly TimeSpan RememberAtMost = TimeSpan.FromMinutes(1);
    private const int RememberedLimit = 10_000;
    private readonly ConcurrentDictionary<string, (ValidatedToken Token, DateTimeOffset Until)> validated = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim refresh = new(1, 1);
    private IList<SecurityKey> keys = [];
    private DateTimeOffset fetchedAt = DateTimeOffset.MinValue;
    private DateTimeOffset attemptedAt = DateTimeOffset.MinValue;

    public async Task<ValidatedToken?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length > 8192 || !Handler.CanReadToken(token))
        {
            return null;
        }

        var fingerprint = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (validated.TryGetValue(fingerprint, out var known))
        {
            if (DateTimeOffset.UtcNow < known.Until)
            {
                return known.Token;
            }

            validated.TryRemove(fingerprint, out _);
        }

        // CanReadToken only counts the dots: a header that is not base64url JSON ("x.y.z") throws here.
        string kid;
        try
        {
            kid = Handler.ReadJsonWebToken(token).Kid;
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException)
        {
            return null;
        }

        if (DateTimeOffset.UtcNow - fetchedAt > settings.CacheDuration || !keys.Any(k => k.KeyId == kid))
        {
            await RefreshAsync(cancellationToken);
        }

        var result = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudiences = settings.Audiences,
            IssuerSigningKeys = keys,
            // What TenantService signs with; a token of another algorithm is refused before its signature is looked at.
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt || jwt.Audiences.FirstOrDefault(settings.Audiences.Contains) is not { } audience)
        {
            return null;
        }

        if (validated.Count >= RememberedLimit)
        {
            validated.Clear();
        }

        var valid = new ValidatedToken(audience, result.Claims.AsReadOnly());
        var expires = jwt.ValidTo == DateTime.MinValue ? DateTimeOffset.MaxValue : new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        var until = DateTimeOffset.UtcNow + RememberAtMost;
        validated[fingerprint] = (valid, expires < until ? expires : until);
        return valid;
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await refresh.WaitAsync(cancellationToken);
        try
        {
            if (DateTimeOffset.UtcNow - attemptedAt < settings.MinimumRefreshInterval)
            {
                return;
            }

            attemptedAt = DateTimeOffset.UtcNow;
            var json = await http().GetStringAsync(settings.JwksUri, cancellationToken);
            keys = new JsonWebKeySet(json).GetSigningKeys();
            fetchedAt = DateTimeOffset.UtcNow;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Keep the keys we have; tokens signed by them still validate.
            LogJwksUnavailable(logger, ex.Message);
        }
        finally
        {
            refresh.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The token keys could not be fetched: {Reason}")]
    private static partial void LogJwksUnavailable(ILogger logger, string reason);
}
