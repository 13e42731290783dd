using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Finqware.SessionService.Access;

/// <summary>
/// Validates tenant API tokens locally (signature, issuer, audience, lifetime) against TenantService's JWKS, which is
/// fetched once and cached; an unknown key id triggers one rate-limited refresh (key rotation). A token that validated
/// is remembered (by its SHA-256) until it expires or for a minute at most, so a server polling with the same token
/// does not pay for an ECDSA verification on every request.
/// </summary>
public sealed partial class TenantTokenValidator(IHttpClientFactory httpClients, IOptions<TenantTokenOptions> options, ILogger<TenantTokenValidator> logger)
{
    private static readonly JsonWebTokenHandler Handler = new();
    private static readonly TimeSpan RememberAtMost = TimeSpan.FromMinutes(1);
    private const int RememberedLimit = 10_000;
    private readonly ConcurrentDictionary<string, (string ClientId, DateTimeOffset Until)> validated = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim refresh = new(1, 1);
    private IList<SecurityKey> keys = [];
    private DateTimeOffset fetchedAt = DateTimeOffset.MinValue;
    private DateTimeOffset attemptedAt = DateTimeOffset.MinValue;

    /// <summary>The token's <c>client_id</c> when it is a valid tenant API token, else null.</summary>
    public async Task<string?> ValidateAsync(string token, CancellationToken cancellationToken)
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
                return known.ClientId;
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

        if (DateTimeOffset.UtcNow - fetchedAt > options.Value.JwksCacheDuration || !keys.Any(k => k.KeyId == kid))
        {
            await RefreshAsync(cancellationToken);
        }

        var result = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = options.Value.Issuer,
            ValidAudience = options.Value.Audience,
            IssuerSigningKeys = keys,
            // What TenantService signs with; a token of another algorithm is refused before its signature is looked at.
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
        });
        if (!result.IsValid || !result.Claims.TryGetValue("client_id", out var claim) || claim is not string clientId)
        {
            return null;
        }

        if (validated.Count >= RememberedLimit)
        {
            validated.Clear();
        }

        var expires = result.SecurityToken.ValidTo == DateTime.MinValue ? DateTimeOffset.MaxValue : new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero);
        var until = DateTimeOffset.UtcNow + RememberAtMost;
        validated[fingerprint] = (clientId, expires < until ? expires : until);
        return clientId;
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await refresh.WaitAsync(cancellationToken);
        try
        {
            if (DateTimeOffset.UtcNow - attemptedAt < options.Value.JwksMinimumRefreshInterval)
            {
                return;
            }

            attemptedAt = DateTimeOffset.UtcNow;

            var http = httpClients.CreateClient(nameof(TenantTokenValidator));
            var json = await http.GetStringAsync(options.Value.JwksUri, cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "The tenant token keys could not be fetched: {Reason}")]
    private static partial void LogJwksUnavailable(ILogger logger, string reason);
}
