using System.Text;
using System.Text.RegularExpressions;
using Finqware.AppHost.Infrastructure;

namespace Finqware.AppHost.Hosting;

/// <summary>
/// Connectors built and run outside this repository (a skill provider's, made with <c>dotnet new finqware-connector</c>),
/// registered with a local Finqware by <c>--connector NAME:PROVIDER:SKILL[,SKILL…]</c> (docs/connectors.md, "Build a
/// connector in your own repository"). Each gets what a connector of the model gets, except a process: a broker user of
/// its own allowed only its skills' queues, the catalog's registration of that user for its provider, and a database of
/// its own. Once the system is up its settings are written to <c>connectors/NAME.env</c> under the state directory (the
/// owner's only), as shell <c>export</c> lines: <c>. connectors/NAME.env &amp;&amp; dotnet run --project …</c>.
/// </summary>
public static partial class ProviderConnectors
{
    /// <summary>The folder under the state directory that holds each connector's settings.</summary>
    public const string Folder = "connectors";

    /// <summary>Reads <c>NAME:PROVIDER:SKILL[,SKILL…]</c>; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static ConnectorBrokerUser Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var parts = value.Split(':');
        var skills = parts.Length == 3 ? parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        if (parts.Length != 3 || skills.Length == 0)
        {
            throw new ArgumentException($"--connector '{value}': expected NAME:PROVIDER:SKILL[,SKILL…], e.g. acme-bank:acme:acme_signup_sbx_#1.0.");
        }

        if (!Name().IsMatch(parts[0]))
        {
            throw new ArgumentException($"--connector '{value}': the name '{parts[0]}' must be lower-case letters, digits and '-' (at most 40), starting with a letter or digit: it names the connector's broker user and database.");
        }

        if (!Provider().IsMatch(parts[1]))
        {
            throw new ArgumentException($"--connector '{value}': the provider '{parts[1]}' must be lower-case letters, digits and '_' (the provider of the skills' manifests).");
        }

        return new ConnectorBrokerUser(parts[0], parts[1], skills);
    }

    /// <summary>The database a registered connector is given (its <c>ConnectionStrings__connectordb</c>).</summary>
    public static string DatabaseOf(ConnectorBrokerUser connector) => connector.Name.Replace('-', '_') + "_connectordb";

    /// <summary>Where the settings of <paramref name="connector"/> are written.</summary>
    public static string SettingsFile(string stateDirectory, ConnectorBrokerUser connector) =>
        Path.Combine(stateDirectory, Folder, connector.Name + ".env");

    /// <summary>
    /// Registers the connectors of <see cref="FinqwareHostOptions.Connectors"/>: their broker users join the model's
    /// (created on the broker at start, registered in the catalog by <see cref="ProjectResource.WithConnectorRegistryOf"/>),
    /// and once the system is up each gets its database and its settings file.
    /// </summary>
    public static void Declare(FinqwareHostBuilder app, RabbitMqResource messaging, PostgresResource postgres)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(messaging);
        ArgumentNullException.ThrowIfNull(postgres);
        foreach (var connector in app.Options.Connectors)
        {
            if (messaging.ConnectorUsers.Any(c => c.Name == connector.Name) || app.Resources.Any(r => r.Name == connector.Name))
            {
                throw new ArgumentException($"--connector {connector.Name}: a connector or resource of that name is already declared.");
            }

            messaging.ConnectorUsers.Add(connector);
        }

        if (app.Options.Connectors.Count > 0)
        {
            app.OnStarted((host, cancellationToken) => WriteSettingsAsync(host, messaging, postgres, cancellationToken));
        }
    }

    private static async Task<string?> WriteSettingsAsync(FinqwareHost host, RabbitMqResource messaging, PostgresResource postgres, CancellationToken cancellationToken)
    {
        var stateDirectory = host.Options.StateDirectory;
        var sessions = host.Resources.OfType<ProjectResource>().FirstOrDefault(p => p.Name == "sessions");
        var note = new StringBuilder("Connectors registered with --connector (start each with its settings: . <file> && dotnet run --project <its project>):");
        foreach (var connector in host.Options.Connectors)
        {
            var database = DatabaseOf(connector);
            await LocalPostgres.CreateDatabaseAsync(postgres.ServerConnectionString!, database, cancellationToken);
            var settings = new Dictionary<string, string?>
            {
                ["ConnectionStrings__messaging"] = messaging.ConnectionStringFor(connector, stateDirectory),
                ["ConnectionStrings__connectordb"] = postgres.ConnectionStringFor(database),
                ["services__sessions__http__0"] = sessions?.Url,
                // Its HTTP side serves /health only (Finqware reaches it over the broker): any free port.
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            };
            var file = SettingsFile(stateDirectory, connector);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var lines = settings.Where(s => s.Value is not null).Select(s => $"export {s.Key}='{s.Value!.Replace("'", "'\\''", StringComparison.Ordinal)}'");
            await File.WriteAllTextAsync(file, string.Join('\n', lines) + "\n", cancellationToken);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            note.Append($"\n  {connector.Name,-16} provider {connector.Provider}, skills {string.Join(", ", connector.Skills)}: {file}");
        }

        return note.ToString();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex Name();

    [GeneratedRegex("^[a-z0-9_]{1,64}$")]
    private static partial Regex Provider();
}
