using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Text.Json;
using Finqware.AppHost.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.AppHost.Dashboard;

/// <summary>
/// The ops dashboard (Aspire's dashboard cannot be installed here): a resources page with actions, live console
/// logs per resource, links to the API docs and the RabbitMQ management UI, and the JSON API those pages use.
/// </summary>
public sealed class DashboardServer(FinqwareHost host, int port) : IAsyncDisposable
{
    private WebApplication? app;

    public string Url { get; } = $"http://127.0.0.1:{port}";

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
        var api = app.MapGroup("/api");
        api.MapGet("/resources", () => TypedResults.Ok(host.Resources.Select(Describe)));
        api.MapGet("/resources/{name}", Results<Ok<ResourceView>, NotFound> (string name) =>
            Find(name) is { } r ? TypedResults.Ok(Describe(r)) : TypedResults.NotFound());
        api.MapGet("/resources/{name}/logs", Results<Ok<IReadOnlyList<LogLine>>, NotFound> (string name, long? after) =>
            Find(name) is { } r ? TypedResults.Ok(r.Logs.After(after ?? 0)) : TypedResults.NotFound());
        api.MapPost("/resources/{name}/{action}", ActAsync);
        api.MapGet("/links", () => TypedResults.Ok(new Links(host.GatewayUrl, host.GatewayUrl + "/docs", host.RabbitMqManagementUrl)));
        await app.StartAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
            app = null;
        }
    }

    private Resource? Find(string name) => host.Resources.FirstOrDefault(r => r.Name == name);

    private async Task<IResult> ActAsync(string name, string action, CancellationToken cancellationToken)
    {
        if (Find(name) is not ProjectResource project)
        {
            return Find(name) is null
                ? TypedResults.Problem(statusCode: 404, title: $"No resource named '{name}'.")
                : TypedResults.Problem(statusCode: 409, title: $"'{name}' is infrastructure: only projects can be stopped, started or restarted here.");
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
                return TypedResults.Problem(statusCode: 409, title: $"'{name}' is {project.State}; stop it first.");
            case "restart":
                _ = project.RestartAsync(CancellationToken.None);
                break;
            default:
                return TypedResults.Problem(statusCode: 404, title: $"Unknown action '{action}': use stop, start or restart.");
        }

        return TypedResults.Accepted($"/api/resources/{name}", Describe(project));
    }

    private static ResourceView Describe(Resource r) => new(
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
        r.LastError);

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
        string? LastError);

    public sealed record Links(string? Gateway, string? Docs, string? RabbitMqManagement);
}
