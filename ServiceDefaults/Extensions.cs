using System.Text.Json;
using Finqware.ServiceDefaults.Health;
using Finqware.ServiceDefaults.Http;
using Finqware.ServiceDefaults.Json;
using Finqware.ServiceDefaults.Problems;
using Finqware.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Finqware process shares (the gateway, the services, the connectors): telemetry, health, service
/// discovery, resilient HTTP clients, RFC 9457 problem details and the JSON conventions of the public API. Shaped like
/// Aspire's ServiceDefaults so the services run unchanged under a real Aspire app host. A database and the bus are
/// added by the processes that use them (<c>AddNpgsqlDataSource</c>, <c>AddServiceDatabase</c>, <c>AddMessaging</c>),
/// each with its own health check and telemetry.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Tag of health checks that decide readiness (database, broker).</summary>
    public const string ReadyTag = "ready";

    /// <summary>Tag of the liveness check.</summary>
    public const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        builder.Services.ConfigureHttpJsonOptions(options => ApiJson.Configure(options.SerializerOptions));
        builder.Services.AddFinqwareProblemDetails();
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(serviceName)
                .AddMeter("Finqware.*"))
            .WithTracing(tracing => tracing
                .SetSampler(new QuietBackgroundSampler())
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(serviceName)
                .AddSource("Finqware.*")
                .AddAspNetCoreInstrumentation(options =>
                    // Health probes every few seconds would drown the traces that matter.
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments("/health")
                        && !context.Request.Path.StartsWithSegments("/alive"))
                .AddHttpClientInstrumentation(options =>
                    // The gateway's /health/services asks every service's /health: not a trace anyone needs.
                    options.FilterHttpRequestMessage = request =>
                        request.RequestUri?.AbsolutePath is not ("/health" or "/alive")));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check: the process, its database and its broker) and <c>/alive</c> (liveness
    /// only) in every environment, plus the problem-details middleware. Health answers are JSON so that the
    /// gateway and the dashboard can show which dependency is failing.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Behind the gateway (or, for the gateway, the ingress), the client's address arrives in X-Forwarded-For: taken
        // from loopback and the configured trusted proxies only.
        app.UseForwardedHeaders(TrustedProxies.Options(app.Configuration));
        app.UseFinqwareProblemDetails();

        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponseWriter.WriteAsync })
            .ExcludeFromDescription();
        app.MapHealthChecks("/alive", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).ExcludeFromDescription();
        return app;
    }
}
