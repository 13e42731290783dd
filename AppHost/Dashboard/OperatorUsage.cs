using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Finqware.AppHost.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.AppHost.Dashboard;

/// <summary>
/// The usage page's data (<c>GET /api/usage?period=day|month</c>): every tenant's usage today or this month (UTC), as
/// TenantService's usage store keeps it, read from its operator route <c>GET /internal/usage</c> with the internal key
/// the AppHost gave it (<c>InternalApi__Key</c>). Per tenant from a query, not from metrics: no metric carries a tenant.
/// </summary>
internal sealed class OperatorUsage(FinqwareHost host) : IDisposable
{
    private const string Tenants = "tenants";
    private const string KeyHeader = "X-Finqware-Internal-Key";
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task<Results<Ok<JsonElement>, ProblemHttpResult>> GetAsync(string? period, CancellationToken cancellationToken)
    {
        if (period is not (null or "day" or "month"))
        {
            return DashboardProblems.Create(400, "INVALID_PERIOD", "period is day (today, UTC) or month (this month so far).");
        }

        if (host.Resources.OfType<ProjectResource>().FirstOrDefault(p => p.Name == Tenants) is not { State: ResourceState.Running } tenants)
        {
            return Unavailable("TenantService is not running.");
        }

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var from = period == "month" ? new DateOnly(today.Year, today.Month, 1) : today;
        var query = string.Create(CultureInfo.InvariantCulture, $"from={from:yyyy-MM-dd}&to={today:yyyy-MM-dd}&granularity={period ?? "day"}");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{tenants.Url}/internal/usage?{query}");
        if (tenants.BuildEnvironment(host.Options).GetValueOrDefault("InternalApi__Key") is { Length: > 0 } key)
        {
            request.Headers.Add(KeyHeader, key);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode
                ? TypedResults.Ok(await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken))
                : Unavailable($"TenantService answered {(int)response.StatusCode}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Unavailable($"TenantService could not be reached: {ex.Message}");
        }
    }

    public void Dispose() => http.Dispose();

    private static ProblemHttpResult Unavailable(string detail) =>
        DashboardProblems.Create(503, "USAGE_UNAVAILABLE", "Usage cannot be read now.", detail);
}
