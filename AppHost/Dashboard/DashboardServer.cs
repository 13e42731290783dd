using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Text.Json;
using Finqware.AppHost.Hosting;
using Finqware.AppHost.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.AppHost.Dashboard;

/// <summary>
/// The ops dashboard (Aspire's dashboard cannot be installed here): resources with actions, a dependency graph and
/// queue depths, live console logs per resource, and Aspire's telemetry pages (structured logs, traces, metrics) fed
/// by the OTLP/HTTP receiver on the same port, with the JSON API those pages use. See docs/dashboard.md.
/// </summary>
public sealed class DashboardServer(FinqwareHost host, int port, TelemetryLimits? limits = null) : IAsyncDisposable
{
    private WebApplication? app;
    private readonly QueueDepths queues = new(() => host.RabbitMqManagementUrl);
    private readonly OperatorUsage usage = new(host);

    public string Url { get; } = $"http://127.0.0.1:{port}";

    /// <summary>The telemetry received over OTLP, within its limits.</summary>
    public TelemetryStore Telemetry { get; } = new(limits ?? TelemetryLimits.FromEnvironment());

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Url);
        builder.Logging.ClearProviders();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        builder.Services.AddProblemDetails();
        app = builder.Build();
        app.UseStatusCodePages();
        app.MapGet("/", Page);
        app.MapOtlpReceiver(Telemetry);
        var api = app.MapGroup("/api");
        api.MapGet("/resources", async (CancellationToken ct) =>
        {
            var depths = await queues.ByResourceAsync(ct);
            return TypedResults.Ok(host.Resources.Select(r => Describe(r, depths)));
        });
        api.MapGet("/resources/{name}", async Task<Results<Ok<ResourceView>, ProblemHttpResult>> (string name, CancellationToken ct) =>
            Find(name) is { } r ? TypedResults.Ok(Describe(r, await queues.ByResourceAsync(ct))) : NoResource(name));
        api.MapGet("/resources/{name}/logs", Results<Ok<IReadOnlyList<LogLine>>, ProblemHttpResult> (string name, long? after) =>
            Find(name) is { } r ? TypedResults.Ok(r.Logs.After(after ?? 0)) : NoResource(name));
        api.MapPost("/resources/{name}/{action}", ActAsync);
        api.MapGet("/graph", Graph);
        api.MapGet("/links", () => TypedResults.Ok(new Links(host.GatewayUrl, host.GatewayUrl + "/docs", host.RabbitMqManagementUrl)));
        api.MapGet("/usage", (string? period, CancellationToken ct) => usage.GetAsync(period, ct));
        api.MapTelemetryApi(Telemetry);
        await app.StartAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
            app = null;
        }

        queues.Dispose();
        usage.Dispose();
    }

    private Resource? Find(string name) => host.Resources.FirstOrDefault(r => r.Name == name);

    private async Task<IResult> ActAsync(string name, string action, CancellationToken cancellationToken)
    {
        if (Find(name) is not ProjectResource project)
        {
            return Find(name) is null
                ? NoResource(name)
                : DashboardProblems.Create(409, "NOT_A_PROJECT", $"'{name}' is infrastructure: only projects can be stopped, started or restarted here.");
        }

        switch (action)
        {
            case "stop":
                await project.StopAsync();
                break;
            case "start" when project.State is ResourceState.Stopped or ResourceState.Failed:
                _ = project.StartAgainAsync(CancellationToken.None);
                break;
            case "start":
                return DashboardProblems.Create(409, "ALREADY_RUNNING", $"'{name}' is {project.State}; stop it first.");
            case "restart":
                _ = project.RestartAsync(CancellationToken.None);
                break;
            default:
                return DashboardProblems.Create(404, "UNKNOWN_ACTION", $"Unknown action '{action}': use stop, start or restart.");
        }

        return TypedResults.Accepted($"/api/resources/{name}", Describe(project, new Dictionary<string, IReadOnlyList<QueueView>>()));
    }

    private static ProblemHttpResult NoResource(string name) => DashboardProblems.Create(404, "RESOURCE_NOT_FOUND", $"No resource named '{name}'.");

    /// <summary>Which resource references (or waits for) which: the edges of the resources page's graph.</summary>
    private Ok<GraphView> Graph() => TypedResults.Ok(new GraphView(
        host.Resources.Select(r => new GraphNode(r.Name, r.Type, r.State.ToString(), r.Health.ToString())).ToList(),
        host.Resources.SelectMany(r => r.References.Select(x => new GraphEdge(r.Name, x.Name, "reference"))
            .Concat(r.WaitsFor.Except(r.References).Select(x => new GraphEdge(r.Name, x.Name, "waits_for")))).ToList()));

    private static ResourceView Describe(Resource r, IReadOnlyDictionary<string, IReadOnlyList<QueueView>> queues) => new(
        r.Name,
        r.Type,
        r.State.ToString(),
        r.Health.ToString(),
        r.Pid,
        r.StartedAt,
        r.Endpoints,
        r.RestartCount,
        r.References.Select(x => x.Name).ToList(),
        r.WaitsFor.Select(x => x.Name).ToList(),
        r.LastError,
        queues.TryGetValue(r.Name, out var consumed) ? consumed : []);

    private static ContentHttpResult Page() => TypedResults.Content(DashboardPage.Html, "text/html; charset=utf-8");

    public sealed record ResourceView(
        string Name,
        string Type,
        string State,
        string Health,
        int? Pid,
        DateTimeOffset? StartedAt,
        IReadOnlyList<string> Endpoints,
        int RestartCount,
        IReadOnlyList<string> References,
        IReadOnlyList<string> WaitsFor,
        string? LastError,
        IReadOnlyList<QueueView> Queues);

    public sealed record GraphView(IReadOnlyList<GraphNode> Nodes, IReadOnlyList<GraphEdge> Edges);

    public sealed record GraphNode(string Name, string Type, string State, string Health);

    public sealed record GraphEdge(string From, string To, string Kind);

    public sealed record Links(string? Gateway, string? Docs, string? RabbitMqManagement);
}
