using System.Text.Json;
using System.Text.Json.Nodes;
using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Finqware.Gateway.OpenApi;

/// <summary>
/// <c>GET /openapi/v1.json</c>: the public contract, built by <see cref="PublicContract"/> from the running services'
/// documents (read through service discovery) and the gateway's own, kept for a minute. <c>sdks/openapi.json</c> is its
/// committed copy, from which the SDKs are generated; a test fails when the two differ.
/// </summary>
public sealed class PublicDocument(IHttpClientFactory clients, IServiceProvider services, TimeProvider clock)
{
    public const string Path = "/openapi/v1.json";
    public const string GatewayDocument = "gateway";
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim building = new(1, 1);
    private (string Json, DateTimeOffset At)? built;

    public static string ClientName(string service) => "openapi-" + service;

    public static IEndpointRouteBuilder MapPublicDocument(IEndpointRouteBuilder app)
    {
        app.MapGet(Path, GetAsync).WithName("GetOpenApiDocument").WithTags("Contract")
            .WithSummary("The public OpenAPI document")
            .WithDescription("This document: every public route with its security, answers and problem codes. The SDKs are generated from it.")
            .Produces<JsonElement>(StatusCodes.Status200OK, "application/json")
            .Public()
            .Problems(StatusCodes.Status503ServiceUnavailable, "OPENAPI_UNAVAILABLE");
        return app;
    }

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetAsync(PublicDocument document, CancellationToken cancellationToken)
    {
        var json = await document.JsonAsync(cancellationToken);
        return json is null
            ? ApiProblems.Unavailable("OPENAPI_UNAVAILABLE", "The API description cannot be assembled right now.",
                "A service behind the gateway did not give its OpenAPI document. Retry in a few seconds; GET /health shows which service is down.",
                TimeSpan.FromSeconds(5))
            : TypedResults.Content(json, "application/json");
    }

    /// <summary>The document as JSON, or null when a service's document cannot be read.</summary>
    public async Task<string?> JsonAsync(CancellationToken cancellationToken)
    {
        if (built is { } fresh && clock.GetUtcNow() - fresh.At < KeepFor)
        {
            return fresh.Json;
        }

        await building.WaitAsync(cancellationToken);
        try
        {
            if (built is { } again && clock.GetUtcNow() - again.At < KeepFor)
            {
                return again.Json;
            }

            var proxied = new List<JsonObject>();
            foreach (var service in GatewayExtensions.Services)
            {
                if (await ReadAsync(service, cancellationToken) is not { } document)
                {
                    return null;
                }

                proxied.Add(document);
            }

            var own = await services.GetRequiredKeyedService<IOpenApiDocumentProvider>(GatewayDocument).GetOpenApiDocumentAsync(cancellationToken);
            var ownJson = JsonNode.Parse(await own.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, cancellationToken))!.AsObject();
            var json = PublicContract.Build(proxied, ownJson).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
            built = (json, clock.GetUtcNow());
            return json;
        }
        finally
        {
            building.Release();
        }
    }

    private async Task<JsonObject?> ReadAsync(string service, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await clients.CreateClient(ClientName(service)).GetAsync(new Uri(Path, UriKind.Relative), cancellationToken);
            return response.IsSuccessStatusCode
                ? JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject
                : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or Polly.ExecutionRejectedException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }
}
