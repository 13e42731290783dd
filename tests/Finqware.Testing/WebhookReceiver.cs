using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Finqware.Testing;

/// <summary>A tenant's webhook endpoint: records the signature header and the body it received.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly TestWebServer server;

    private WebhookReceiver(TestWebServer server) => this.server = server;

    public string Url => server.Url + "/hook";

    public static async Task<WebhookReceiver> StartAsync(ConcurrentQueue<(string Signature, string Body)> received) =>
        new(await TestWebServer.StartAsync(app => app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            received.Enqueue((request.Headers["Finqware-Signature"].ToString(), await reader.ReadToEndAsync()));
            return Results.NoContent();
        })));

    public async ValueTask DisposeAsync() => await server.DisposeAsync();
}
