using System.Collections.Concurrent;
using System.Net;
using Finqware.Contracts.Tenants;
using Finqware.ServiceDefaults.Http;
using Finqware.ServiceDefaults.Json;
using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Tenants;

public sealed class TenantRegistryOptions
{
    public const string Section = "TenantRegistry";

    /// <summary>TenantService's internal key (its <c>InternalApi__Key</c>); unset on one machine (loopback is trusted).</summary>
    public string? InternalKey { get; set; }

    /// <summary>A read-through that found nothing new is not repeated for the same tenant and reason within this time.</summary>
    public TimeSpan NegativeCacheDuration { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The read-through to TenantService (<c>GET /internal/tenants/{client_id}</c>) when the replica says no: an unknown
/// tenant, a key it does not hold, a skill it does not list. TenantService's events may not have arrived yet, and what the
/// registry has answered must work at once (DESIGN §1); what the registry says is applied to the replica like its event.
/// A read-through that finds nothing new is remembered for <see cref="TenantRegistryOptions.NegativeCacheDuration"/> per
/// tenant and reason, so random ids or keys cannot flood TenantService. TenantService being away is a miss, not an error.
/// </summary>
public sealed partial class TenantRegistry(
    IHttpClientFactory httpClients, IServiceScopeFactory scopes, ReplicaCache replicas, IOptions<TenantRegistryOptions> options, ILogger<TenantRegistry> logger)
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = ApiJson.Create();
    private readonly ConcurrentDictionary<string, long> misses = new(StringComparer.Ordinal);

    /// <summary>
    /// True when TenantService knows a newer version of <paramref name="clientId"/> than <paramref name="knownVersion"/>
    /// (the copy the caller read; -1 for none): the replica has it now, read it again. The table may have had it already
    /// (another instance consumed the event) while this instance's in-memory copy had not: that copy is dropped too. A
    /// miss is remembered under <paramref name="reason"/>; a null reason (an authenticated caller's) is never remembered.
    /// </summary>
    public async Task<bool> ReadThroughAsync(string clientId, long knownVersion, string? reason, CancellationToken cancellationToken)
    {
        var miss = reason is null ? null : clientId + "\n" + reason;
        if (miss is not null && misses.TryGetValue(miss, out var until) && Environment.TickCount64 < until)
        {
            return false;
        }

        var changed = false;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/internal/tenants/{Uri.EscapeDataString(clientId)}");
            if (options.Value.InternalKey is { Length: > 0 } key)
            {
                request.Headers.Add(InternalCallers.KeyHeader, key);
            }

            using var response = await httpClients.CreateClient(nameof(TenantRegistry)).SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.NotFound)
            {
                response.EnsureSuccessStatusCode();
                var tenant = await response.Content.ReadFromJsonAsync<TenantUpserted>(Json, cancellationToken);
                if (tenant?.ClientId == clientId && tenant.Version > knownVersion)
                {
                    changed = true;
                    await using var scope = scopes.CreateAsyncScope();
                    await TenantReplicaUpdate.ApplyAsync(scope.ServiceProvider.GetRequiredService<SessionDbContext>(), tenant, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or DbUpdateException or System.Text.Json.JsonException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // TenantService away (the replica answers as it is), or the consumer wrote the same row at the same moment.
            LogReadThroughFailed(logger, ex.GetType().Name);
        }

        if (changed)
        {
            replicas.ForgetTenant(clientId);
            return true;
        }

        if (miss is null)
        {
            return false;
        }

        if (misses.Count > 10_000)
        {
            misses.Clear();
        }

        misses[miss] = Environment.TickCount64 + (long)options.Value.NegativeCacheDuration.TotalMilliseconds;
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A read-through to TenantService failed ({Reason}); the replica answers as it is")]
    private static partial void LogReadThroughFailed(ILogger logger, string reason);
}
