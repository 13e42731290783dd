using System.Security.Cryptography;
using System.Text.Json;
using Finqware.TenantService.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Finqware.TenantService.Tokens;

/// <summary>
/// The token signing keys, persisted in tenantdb with their private halves encrypted, cached in memory. The newest
/// key signs; retired keys stay published in the JWKS until every token they signed has expired.
/// </summary>
public sealed partial class SigningKeyStore(IServiceScopeFactory scopes, IOptions<TokenIssuingOptions> options, TimeProvider clock, ILogger<SigningKeyStore> logger)
{
    private volatile Snapshot? snapshot;

    public SigningCredentials Current => Loaded().Signing;

    public IReadOnlyList<SecurityKey> ValidationKeys => Loaded().Validation;

    public IReadOnlyList<JsonElement> PublishedJwks => Loaded().Jwks;

    /// <summary>Loads the keys, creating the first one or rotating an old one as needed.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TenantDbContext>();
        var active = await db.SigningKeys.Where(k => k.RetiredAt == null).OrderByDescending(k => k.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        if (active is null || clock.GetUtcNow() - active.CreatedAt > options.Value.SigningKeyRotation)
        {
            await RotateAsync(cancellationToken);
            return;
        }

        await ReloadAsync(cancellationToken);
    }

    /// <summary>Creates a new signing key; the previous one is retired but stays published until its tokens expire.</summary>
    public async Task<string> RotateAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TenantDbContext>();
        var now = clock.GetUtcNow();
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
        var kid = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var jwk = new Dictionary<string, string>
        {
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(parameters.Q.X),
            ["y"] = Base64UrlEncoder.Encode(parameters.Q.Y),
            ["kid"] = kid,
            ["use"] = "sig",
            ["alg"] = SecurityAlgorithms.EcdsaSha256,
        };
        await db.SigningKeys.Where(k => k.RetiredAt == null).ExecuteUpdateAsync(k => k.SetProperty(x => x.RetiredAt, now), cancellationToken);
        db.SigningKeys.Add(new SigningKey
        {
            Kid = kid,
            Algorithm = SecurityAlgorithms.EcdsaSha256,
            PublicJwk = JsonSerializer.Serialize(jwk),
            ProtectedPrivateKey = Protect(ecdsa.ExportPkcs8PrivateKey()),
            CreatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        LogRotated(logger, kid);
        await ReloadAsync(cancellationToken);
        return kid;
    }

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TenantDbContext>();
        var publishedSince = clock.GetUtcNow() - options.Value.TenantTokenLifetime - options.Value.PortalTokenLifetime;
        var keys = await db.SigningKeys.AsNoTracking()
            .Where(k => k.RetiredAt == null || k.RetiredAt > publishedSince)
            .OrderByDescending(k => k.CreatedAt)
            .ToListAsync(cancellationToken);
        var active = keys.FirstOrDefault(k => k.RetiredAt == null)
            ?? throw new InvalidOperationException("No active signing key; call InitializeAsync first.");
        var validation = keys.Select(k => (SecurityKey)new ECDsaSecurityKey(LoadPublic(k)) { KeyId = k.Kid }).ToList();
        var signingKey = ECDsa.Create();
        signingKey.ImportPkcs8PrivateKey(Unprotect(active.ProtectedPrivateKey), out _);
        snapshot = new Snapshot(
            new SigningCredentials(new ECDsaSecurityKey(signingKey) { KeyId = active.Kid }, SecurityAlgorithms.EcdsaSha256),
            validation,
            keys.Select(k => JsonSerializer.Deserialize<JsonElement>(k.PublicJwk)).ToList(),
            clock.GetUtcNow());
    }

    private Snapshot Loaded()
    {
        var current = snapshot ?? throw new InvalidOperationException("Signing keys are not loaded yet.");
        if (clock.GetUtcNow() - current.LoadedAt > TimeSpan.FromMinutes(1))
        {
            // Another instance may have rotated: refresh in the background, keep serving what we have.
            _ = ReloadAsync(CancellationToken.None);
        }

        return current;
    }

    private static ECDsa LoadPublic(SigningKey key)
    {
        var jwk = JsonSerializer.Deserialize<Dictionary<string, string>>(key.PublicJwk)!;
        return ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(jwk["x"]), Y = Base64UrlEncoder.DecodeBytes(jwk["y"]) },
        });
    }

    private byte[] KeyEncryptionKey()
    {
        var key = Convert.FromBase64String(options.Value.KeyEncryptionKey);
        return key.Length == 32 ? key : throw new InvalidOperationException("Tokens:KeyEncryptionKey must be base64 of exactly 32 bytes.");
    }

    private string Protect(byte[] plaintext)
    {
        var nonce = RandomNumberGenerator.GetBytes(12);
        var tag = new byte[16];
        var cipher = new byte[plaintext.Length];
        using var aes = new AesGcm(KeyEncryptionKey(), 16);
        aes.Encrypt(nonce, plaintext, cipher, tag);
        CryptographicOperations.ZeroMemory(plaintext);
        return Convert.ToBase64String([.. nonce, .. tag, .. cipher]);
    }

    private byte[] Unprotect(string protectedValue)
    {
        var bytes = Convert.FromBase64String(protectedValue);
        var plaintext = new byte[bytes.Length - 28];
        using var aes = new AesGcm(KeyEncryptionKey(), 16);
        aes.Decrypt(bytes.AsSpan(0, 12), bytes.AsSpan(28), bytes.AsSpan(12, 16), plaintext);
        return plaintext;
    }

    private sealed record Snapshot(SigningCredentials Signing, IReadOnlyList<SecurityKey> Validation, IReadOnlyList<JsonElement> Jwks, DateTimeOffset LoadedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "New token signing key {Kid} is active")]
    private static partial void LogRotated(ILogger logger, string kid);
}

/// <summary>Loads (or creates) the signing keys after the database is migrated and before requests are served.</summary>
internal sealed class SigningKeyInitializer(SigningKeyStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
