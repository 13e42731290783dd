using System.Diagnostics;
using System.Text;
using System.Xml.Linq;
using Finqware.AppHost.Hosting;
using Finqware.Testing;

namespace Finqware.ConnectorKit.Tests;

/// <summary>
/// The connector packages of this commit, packed once per test run by <c>scripts/pack.sh</c> (Debug: the build the test
/// run made) into a folder feed of its own, and the previous published version's packages (<c>packaging/baseline</c>).
/// </summary>
public sealed class KitFeed : IAsyncLifetime
{
    public string Repository { get; } = FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("Finqware.sln not found above the test assembly.");

    public string Folder { get; private set; } = "";

    public string Feed => Path.Combine(Folder, "feed");

    public string BaselineFeed => Path.Combine(Repository, "packaging", "baseline");

    public string Version => Property("FinqwareKitVersion");

    public string BaselineVersion => Property("FinqwareKitBaselineVersion");

    /// <summary>The package sources this machine restores from (its registry), besides the folder feeds.</summary>
    public IReadOnlyList<string> UpstreamSources { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        Folder = TestInfrastructure.TempDirectory("kit");
        var pack = await RunAsync(Path.Combine(Repository, "scripts", "pack.sh"), [Feed, "-c", "Debug"], Repository);
        Assert.True(pack.ExitCode == 0, $"scripts/pack.sh failed:\n{pack.Output}");

        var sources = await RunAsync("dotnet", ["nuget", "list", "source", "--format", "Short"], Folder);
        UpstreamSources = [.. sources.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("E ", StringComparison.Ordinal)).Select(l => l[2..].Trim())];
    }

    /// <summary>
    /// Writes a nuget.config into <paramref name="folder"/>: Finqware's packages only from <paramref name="feed"/>,
    /// everything else from this machine's registry; packages land in a folder of the test's own (the machine's cache
    /// only as a read-only fallback), so no package of another run is taken for this one's.
    /// </summary>
    public void WriteNuGetConfig(string folder, string feed)
    {
        var upstream = UpstreamSources.Select((s, i) => new XElement("add", new XAttribute("key", $"upstream{i}"), new XAttribute("value", s)));
        var machineCache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var config = new XElement("configuration",
            new XElement("packageSources", new XElement("clear"), new XElement("add", new XAttribute("key", "finqware"), new XAttribute("value", feed)), upstream),
            new XElement("packageSourceMapping",
                new XElement("packageSource", new XAttribute("key", "finqware"), new XElement("package", new XAttribute("pattern", "Finqware.*"))),
                UpstreamSources.Select((_, i) => new XElement("packageSource", new XAttribute("key", $"upstream{i}"), new XElement("package", new XAttribute("pattern", "*"))))),
            new XElement("config", new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", Path.Combine(folder, ".packages")))),
            Directory.Exists(machineCache)
                ? new XElement("fallbackPackageFolders", new XElement("add", new XAttribute("key", "machine"), new XAttribute("value", machineCache)))
                : null);
        new XDocument(config).Save(Path.Combine(folder, "nuget.config"));
    }

    /// <summary>Runs a program to its end; its output (stdout and stderr) and exit code.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string program, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // Not this test run's: MSBuild and the test platform would otherwise hand them to the child.
        foreach (var inherited in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "DOTNET_HOST_PATH", "TESTINGPLATFORM_UI_LANGUAGE" })
        {
            info.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var stdout = Task.Run(async () => { while (await process.StandardOutput.ReadLineAsync() is { } line) { lock (output) { output.AppendLine(line); } } });
        var stderr = Task.Run(async () => { while (await process.StandardError.ReadLineAsync() is { } line) { lock (output) { output.AppendLine(line); } } });
        await process.WaitForExitAsync();
        await Task.WhenAll(stdout, stderr);
        return (process.ExitCode, output.ToString());
    }

    public ValueTask DisposeAsync()
    {
        TestInfrastructure.DeleteQuietly(Folder);
        return ValueTask.CompletedTask;
    }

    private string Property(string name) =>
        XDocument.Load(Path.Combine(Repository, "packaging", "Version.props")).Descendants(name).Single().Value;
}
