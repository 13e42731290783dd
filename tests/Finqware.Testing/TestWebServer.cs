using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Finqware.Testing;

/// <summary>
/// A real HTTP server on a free loopback port, for what a test plays itself: a tenant's webhook endpoint, a service
/// behind the gateway, a catalog. <paramref name="map"/> maps its routes (minimal APIs).
/// </summary>
public sealed class TestWebServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private TestWebServer(WebApplication app, string url)
    {
        this.app = app;
        Url = url;
    }

    /// <summary>Its base address, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public string Url { get; }

    public static async Task<TestWebServer> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new TestWebServer(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
