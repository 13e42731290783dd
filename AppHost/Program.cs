using Finqware.AppHost.Hosting;

namespace Finqware.AppHost;

/// <summary>
/// ./run.sh starts this: PostgreSQL, RabbitMQ, the services and the gateway, with the dashboard on :18888.
/// Flags: --fresh (drop local data), --random-ports, --state-dir DIR, --no-dashboard, --connector NAME:PROVIDER:SKILL[,SKILL…]
/// (a connector run outside the repository, docs/connectors.md). See docs/configuration.md.
/// <c>--broker-users</c> prints the connectors' broker users and their permissions as rabbitmqctl commands, for an
/// operator's broker (deploy/README.md, "Connector users"), and starts nothing.
/// </summary>
internal static class Program
{
    public static async Task Main(string[] args)
    {
        var app = FinqwareHost.CreateBuilder(args);
        AppModel.Declare(app);
        if (args.Contains("--broker-users"))
        {
            foreach (var messaging in app.Resources.OfType<RabbitMqResource>())
            {
                foreach (var line in messaging.ConnectorUsers.SelectMany(BrokerUserCommands))
                {
                    Console.WriteLine(line);
                }
            }

            return;
        }

        await using var host = app.Build();
        await host.RunAsync();
    }

    private static IEnumerable<string> BrokerUserCommands(Infrastructure.ConnectorBrokerUser user)
    {
        var (configure, write, read) = user.Permissions;
        yield return $"# {user.Name}: provider {user.Provider}, skills {string.Join(", ", user.Skills)}";
        yield return $"rabbitmqctl add_user '{user.Name}' \"$(openssl rand -hex 24)\"   # keep the password for its connection string";
        yield return $"rabbitmqctl set_permissions -p / '{user.Name}' '{configure}' '{write}' '{read}'";
    }
}
