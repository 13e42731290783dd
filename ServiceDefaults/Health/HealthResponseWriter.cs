using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Finqware.ServiceDefaults.Health;

/// <summary>Writes a health report as <c>{"status":"Healthy","checks":{"name":{"status":..,"description":..}}}</c>.</summary>
public static class HealthResponseWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new HealthBody(
            report.Status.ToString(),
            report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new HealthEntry(entry.Value.Status.ToString(), entry.Value.Description ?? entry.Value.Exception?.Message)));
        return JsonSerializer.SerializeAsync(context.Response.Body, body, HealthJsonContext.Default.HealthBody, context.RequestAborted);
    }
}

public sealed record HealthBody(string Status, IReadOnlyDictionary<string, HealthEntry> Checks);

public sealed record HealthEntry(string Status, string? Description);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HealthBody))]
internal sealed partial class HealthJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
