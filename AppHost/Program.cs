using Finqware.AppHost.Hosting;

namespace Finqware.AppHost;

/// <summary>
/// ./run.sh starts this: PostgreSQL, RabbitMQ, the services and the gateway, with the dashboard on :18888.
/// Flags: --fresh (drop local data), --random-ports, --state-dir DIR, --no-dashboard. See docs/architecture.md.
/// </summary>
internal static class Program
{
    public static async Task Main(string[] args)
    {
        var app = FinqwareHost.CreateBuilder(args);
        AppModel.Declare(app);
        await using var host = app.Build();
        await host.RunAsync();
    }
}
