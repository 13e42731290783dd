using Finqware.Gateway.Edge;
using Finqware.Gateway.GraphQL;
using Finqware.Gateway.Health;
using Finqware.Gateway.OpenApi;
using GraphQL;
using Microsoft.Extensions.Http.Resilience;

namespace Microsoft.Extensions.Hosting;

public static class GatewayExtensions
{
    /// <summary>The downstream services: YARP cluster names, which are also their service-discovery names.</summary>
    public static readonly string[] Services = ["catalog", "tenants", "sessions"];

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

        // /health/services asks each service's /health: fast, and never retried by the resilience pipeline. These are
        // not health checks of the gateway (its /health, its readiness, is the gateway alone).
        builder.Services.AddHttpClient(DownstreamHealthCheck.HttpClientName);

        builder.AddGraphQL();
        builder.Services.AddOpenApi(PublicDocument.GatewayDocument, options => options.AddApiContract());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PublicDocument>();
        foreach (var service in Services)
        {
            builder.Services.AddHttpClient(PublicDocument.ClientName(service), http => http.BaseAddress = new Uri("http://" + service));
        }

        builder.AddEdge();
        return builder;
    }

    /// <summary>
    /// <c>/graphql</c>: the schema, the executer and the REST clients its resolvers read through service discovery
    /// (<c>services__catalog__http__0</c>, <c>services__sessions__http__0</c>).
    /// </summary>
    private static void AddGraphQL(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GraphQLOptions>().BindConfiguration(GraphQLOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<FinqwareSchema>();
        builder.Services.AddSingleton<IDocumentExecuter, DocumentExecuter>();
        builder.Services.AddSingleton<GraphQLRunner>();
        builder.Services.AddSingleton<DownstreamApi>();
        // Every call the gateway makes itself is an interactive read (GraphQL fields, health probes): one quick retry, not
        // the default three with exponential backoff. ServiceDefaults gives every client the standard handler under one
        // options name, "-standard" (the handler is added for all clients, whose name is not known there).
        builder.Services.Configure<HttpStandardResilienceOptions>("-standard", resilience =>
        {
            resilience.Retry.MaxRetryAttempts = 1;
            // A mutation is never sent twice by the gateway: the caller decides, with its Idempotency-Key.
            resilience.Retry.DisableForUnsafeHttpMethods();
            resilience.Retry.Delay = TimeSpan.FromMilliseconds(200);
        });
        foreach (var service in new[] { DownstreamApi.Catalog, DownstreamApi.Sessions })
        {
            builder.Services.AddHttpClient(DownstreamApi.ClientName(service), http => http.BaseAddress = new Uri("http://" + service));
        }
    }
}
