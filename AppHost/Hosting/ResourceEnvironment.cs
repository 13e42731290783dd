using System.Globalization;

namespace Finqware.AppHost.Hosting;

/// <summary>
/// Every environment variable the AppHost sets on the processes it starts, in one place (docs/configuration.md
/// lists the same). They are Aspire's conventions, so the services run unchanged under a real Aspire app host.
/// </summary>
public static class ResourceEnvironment
{
    public static string ConnectionString(string name) => $"ConnectionStrings__{name}";

    public static string ServiceEndpoint(string service) => $"services__{service}__http__0";

    public static string ReverseProxyDestination(string cluster) => $"ReverseProxy__Clusters__{cluster}__Destinations__d1__Address";

    public const string Urls = "ASPNETCORE_URLS";
    public const string AspNetCoreEnvironment = "ASPNETCORE_ENVIRONMENT";
    public const string DotNetEnvironment = "DOTNET_ENVIRONMENT";
    public const string OtelServiceName = "OTEL_SERVICE_NAME";
    public const string OtelResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES";
    public const string OtelEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string OtelProtocol = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary>How often the SDKs send what they batched (ms): Aspire's dashboard values, so telemetry shows within seconds.</summary>
    public const string OtelTraceExportDelay = "OTEL_BSP_SCHEDULE_DELAY";
    public const string OtelLogExportDelay = "OTEL_BLRP_SCHEDULE_DELAY";
    public const string OtelMetricExportInterval = "OTEL_METRIC_EXPORT_INTERVAL";

    /// <summary>
    /// What Aspire's app host sets on a project when its dashboard receives telemetry: the OTLP/HTTP endpoint and
    /// protocol, short export delays, and exceptions logged as attributes (ServiceDefaults samples every trace). Metrics go every 5 s
    /// rather than Aspire's 1 s: six services exporting every second is a real cost on a 2-core machine.
    /// </summary>
    public static void AddTelemetryExport(IDictionary<string, string?> environment, string otlpEndpoint)
    {
        environment[OtelEndpoint] = otlpEndpoint;
        environment[OtelProtocol] = "http/protobuf";
        environment[OtelTraceExportDelay] = "1000";
        environment[OtelLogExportDelay] = "1000";
        environment[OtelMetricExportInterval] = "5000";
        environment["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EXCEPTION_LOG_ATTRIBUTES"] = "true";
    }

    /// <summary>What every project gets, whatever it references.</summary>
    public static void AddProjectDefaults(IDictionary<string, string?> environment, string name, string url, string hostingEnvironment, string? otlpEndpoint)
    {
        environment[Urls] = url;
        environment[AspNetCoreEnvironment] = hostingEnvironment;
        environment[DotNetEnvironment] = hostingEnvironment;
        environment[OtelServiceName] = name;
        environment[OtelResourceAttributes] = string.Create(CultureInfo.InvariantCulture, $"service.instance.id={Guid.NewGuid()}");
        if (otlpEndpoint is not null)
        {
            AddTelemetryExport(environment, otlpEndpoint);
        }

        // Keep the children's console plain: the dashboard shows it line by line.
        environment["Logging__Console__FormatterName"] = "simple";
        environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        environment["DOTNET_NOLOGO"] = "1";
    }
}
