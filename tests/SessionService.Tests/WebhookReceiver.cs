using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Finqware.SessionService.Tests;

/// <summary>A tenant's webhook endpoint: records the signature header and the body it received.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;

    private WebhookReceiver(WebApplication app, string url)
    {
        this.app = app;
        Url = url;
    }

    public string Url { get; }

    public static async Task<WebhookReceiver> StartAsync(ConcurrentQueue<(string Signature, string Body)> received)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            received.Enqueue((request.Headers["Finqware-Signature"].ToString(), await reader.ReadToEndAsync()));
            return Results.NoContent();
        });
        await app.StartAsync();
        return new WebhookReceiver(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook");
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
