using Finqware.Testing;

namespace Finqware.ConnectorKit.Tests;

/// <summary>
/// A connector made by <c>dotnet new finqware-connector</c> in a temporary folder outside the repository, from the
/// template package of <paramref name="feed"/>, with a throwaway DOTNET_CLI_HOME (the template is installed there only)
/// and only that feed for Finqware's packages.
/// </summary>
public sealed class NewConnector(string folder, IReadOnlyDictionary<string, string> environment) : IDisposable
{
    public string Folder { get; } = folder;

    public string Name => "AcmeBank";

    public string ProjectFolder => Path.Combine(Folder, Name);

    public static async Task<NewConnector> CreateAsync(KitFeed kit, string feed, string version)
    {
        var folder = TestInfrastructure.TempDirectory("connector");
        var cliHome = Path.Combine(folder, ".dotnet-home");
        Directory.CreateDirectory(cliHome);
        var environment = new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = cliHome };
        var connector = new NewConnector(folder, environment);
        Directory.CreateDirectory(connector.ProjectFolder);
        try
        {
            var install = await connector.DotnetAsync(["new", "install", Path.Combine(feed, $"Finqware.Templates.{version}.nupkg")]);
            Assert.True(install.ExitCode == 0, install.Output);
            var created = await connector.DotnetAsync(["new", "finqware-connector", "--provider", "acme"]);
            Assert.True(created.ExitCode == 0, created.Output);
            kit.WriteNuGetConfig(connector.ProjectFolder, feed);
            return connector;
        }
        catch
        {
            connector.Dispose();
            throw;
        }
    }

    public Task<(int ExitCode, string Output)> DotnetAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? extra = null) =>
        KitFeed.RunAsync("dotnet", arguments, ProjectFolder, extra is null ? environment : environment.Concat(extra).ToDictionary());

    public void Dispose() => TestInfrastructure.DeleteQuietly(Folder);
}
