using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Threading.RateLimiting;
using Finqware.ServiceDefaults.Http;
using Finqware.ServiceDefaults.Json;
using Microsoft.Extensions.Options;

namespace Finqware.Gateway.Edge;

public sealed class CorsOptions
{
    public const string Section = "Cors";

    /// <summary>TenantService's internal key (its <c>InternalApi__Key</c>), to read a tenant's registered origins.</summary>
    public string? InternalKey { get; set; }

    /// <summary>How long the gateway keeps a tenant's origins; an origin not among them is asked for again (a new one works at once).</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>At most one read-through per tenant within this time (however many origins it is sent with).</summary>
    public TimeSpan ReadThroughInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>At most this many read-throughs a second for all tenants together (random client_ids cannot flood TenantService).</summary>
    public int ReadThroughsPerSecond { get; set; } = 50;

    /// <summary>How long a browser may keep a preflight's answer (<c>Access-Control-Max-Age</c>).</summary>
    public int PreflightMaxAgeSeconds { get; set; } = 600;
}

/// <summary>
/// The origins each tenant registered (<c>allowed_origins</c>), read from TenantService (<c>GET /internal/tenants/{client_id}</c>)
/// and kept for <see cref="CorsOptions.CacheDuration"/>. An origin that is not among the kept ones is read through (what
/// a <c>PATCH</c> has just added works in the next request), at most once per <see cref="CorsOptions.ReadThroughInterval"/>
/// per tenant and <see cref="CorsOptions.ReadThroughsPerSecond"/> in all, so random origins or client_ids cannot flood
/// TenantService; past that the kept origins answer. A change to a tenant through this gateway drops its copy at once.
/// </summary>
public sealed class TenantOrigins : IDisposable
{
    private const int MaxEntries = 10_000;
    private static readonly JsonSerializerOptions Json = ApiJson.Create();
    private readonly ConcurrentDictionary<string, (string[] Origins, long Until)> tenants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> lastReads = new(StringComparer.Ordinal);
    private readonly IHttpClientFactory clients;
    private readonly IOptions<CorsOptions> options;
    private readonly ILogger<TenantOrigins> logger;
    private readonly TokenBucketRateLimiter readThroughs;

    public TenantOrigins(IHttpClientFactory clients, IOptions<CorsOptions> options, ILogger<TenantOrigins> logger)
    {
        this.clients = clients;
        this.options = options;
        this.logger = logger;
        var perSecond = Math.Max(1, options.Value.ReadThroughsPerSecond);
        readThroughs = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond, TokensPerPeriod = perSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = 0, AutoReplenishment = true,
        });
    }

    /// <summary>True when <paramref name="clientId"/> registered <paramref name="origin"/>; null when TenantService cannot tell now.</summary>
    public async Task<bool?> AllowsAsync(string clientId, string origin, CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        var cached = tenants.TryGetValue(clientId, out var entry);
        if (cached && now < entry.Until && entry.Origins.Contains(origin, StringComparer.Ordinal))
        {
            return true;
        }

        var recently = lastReads.TryGetValue(clientId, out var last) && now - last < (long)options.Value.ReadThroughInterval.TotalMilliseconds;
        if (recently || !TryTakeReadThrough())
        {
            return cached && entry.Origins.Contains(origin, StringComparer.Ordinal);
        }

        Bound(lastReads);
        lastReads[clientId] = now;
        var origins = await ReadAsync(clientId, cancellationToken);
        if (origins is null)
        {
            // TenantService away: what was kept still answers, however old.
            return cached ? entry.Origins.Contains(origin, StringComparer.Ordinal) : null;
        }

        Bound(tenants);
        tenants[clientId] = (origins, Environment.TickCount64 + (long)options.Value.CacheDuration.TotalMilliseconds);
        return origins.Contains(origin, StringComparer.Ordinal);
    }

    /// <summary>The tenant changed (its PATCH went through this gateway): the next request reads its origins afresh.</summary>
    public void Forget(string clientId)
    {
        tenants.TryRemove(clientId, out _);
        lastReads.TryRemove(clientId, out _);
    }

    public void Dispose() => readThroughs.Dispose();

    private bool TryTakeReadThrough()
    {
        using var lease = readThroughs.AttemptAcquire();
        return lease.IsAcquired;
    }
    private async Task<string[]?> ReadAsync(string clientId, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/internal/tenants/{Uri.EscapeDataString(clientId)}");
            if (options.Value.InternalKey is { Length: > 0 } key)
            {
                request.Headers.Add(InternalCallers.KeyHeader, key);
            }

            using var response = await clients.CreateClient(nameof(TenantOrigins)).SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return [];
            }

            response.EnsureSuccessStatusCode();
            var tenant = await response.Content.ReadFromJsonAsync<RegisteredTenant>(Json, cancellationToken);
            return [.. tenant?.AllowedOrigins ?? []];
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            logger.LogWarning("The origins of a tenant could not be read from TenantService ({Reason})", ex.GetType().Name);
            return null;
        }
    }

    private static void Bound<T>(ConcurrentDictionary<string, T> entries)
    {
        if (entries.Count > MaxEntries)
        {
            entries.Clear();
        }
    }

    private sealed record RegisteredTenant(IReadOnlyList<string>? AllowedOrigins);
}
