using System.Reflection;
using System.Xml.Linq;

namespace Finqware.Deploy.Tests;

/// <summary>A project of the solution that runs on its own in production: a service, the gateway, a connector.</summary>
public sealed record Deployable(string Project, string AssemblyName, string ContainerRepository)
{
    /// <summary>
    /// Not deployables: the AppHost (local orchestration), tests, benchmarks, generated SDKs and the connector template's
    /// content (a provider's project, built in its own repository). Everything else with an executable output is one,
    /// and must be deployed.
    /// </summary>
    private static readonly string[] NotDeployed = ["AppHost", "tests", "bench", "sdks", "templates"];

    private static readonly Lazy<IReadOnlyList<Deployable>> All = new(Discover);

    public static IReadOnlyList<Deployable> Every => All.Value;

    /// <summary>The Deployment's name: the last segment of the image name (the AppHost's resource name too).</summary>
    public string Name => ContainerRepository[(ContainerRepository.LastIndexOf('/') + 1)..];

    public string Directory => Path.GetDirectoryName(Path.Combine(Repository.Root, Project))!;

    /// <summary>Where <c>dotnet build</c> put it, to be run as a process.</summary>
    public string BuiltAssembly => Path.Combine(Directory, "bin", Repository.Configuration, "net10.0", AssemblyName + ".dll");

    /// <summary>The deployable's entry point, from the assemblies this test project references.</summary>
    public Type EntryPoint => Assembly.Load(AssemblyName).EntryPoint?.DeclaringType
        ?? throw new InvalidOperationException($"{AssemblyName} has no entry point");

    public static Deployable ForImage(string image) =>
        Every.SingleOrDefault(d => ImageRepository(image).EndsWith(d.ContainerRepository, StringComparison.Ordinal)
            && (ImageRepository(image).Length == d.ContainerRepository.Length || ImageRepository(image)[^(d.ContainerRepository.Length + 1)] == '/'))
        ?? throw new InvalidOperationException($"the image {image} is built by no project of the solution");

    /// <summary>The image name without its registry-independent tag or digest.</summary>
    public static string ImageRepository(string image)
    {
        var name = image.Split('@')[0];
        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        return colon > slash ? name[..colon] : name;
    }

    private static List<Deployable> Discover()
    {
        var projects = System.IO.Directory.EnumerateFiles(Repository.Root, "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Repository.Root, p))
            .Where(p => !NotDeployed.Contains(p.Split(Path.DirectorySeparatorChar)[0]) && !p.Split(Path.DirectorySeparatorChar).Contains("obj"))
            .Where(IsExecutable)
            .Order(StringComparer.Ordinal)
            .ToList();
        // What the .NET SDK computes for `dotnet publish -t:PublishContainer`, not what the project file seems to say.
        return projects.Select(p =>
        {
            var (exitCode, output, error) = Repository.Run("dotnet", ["msbuild", p, "-nologo", "-t:ComputeContainerConfig", "-getProperty:ContainerRepository", "-getProperty:AssemblyName"]);
            Assert.True(exitCode == 0, $"dotnet msbuild {p} -t:ComputeContainerConfig failed: {output}{error}");
            var properties = JsonDocument.Parse(output).RootElement.GetProperty("Properties");
            return new Deployable(p, properties.GetProperty(nameof(AssemblyName)).GetString()!, properties.GetProperty(nameof(ContainerRepository)).GetString()!);
        }).ToList();
    }

    private static bool IsExecutable(string project)
    {
        var xml = XDocument.Load(Path.Combine(Repository.Root, project));
        var outputType = xml.Descendants("OutputType").LastOrDefault()?.Value;
        var web = (string?)xml.Root?.Attribute("Sdk") == "Microsoft.NET.Sdk.Web";
        return outputType is { } type ? !type.Equals("Library", StringComparison.OrdinalIgnoreCase) : web;
    }
}
