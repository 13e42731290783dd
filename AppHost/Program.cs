using Finqware.AppHost;
using Finqware.AppHost.Hosting;

// ./run.sh starts this: PostgreSQL, RabbitMQ, the services and the gateway, with the dashboard on :18888.
// Flags: --fresh (drop local data), --random-ports, --state-dir DIR, --no-dashboard. See docs/architecture.md.
var app = FinqwareHost.CreateBuilder(args);
AppModel.Declare(app);
await using var host = app.Build();
await host.RunAsync();
