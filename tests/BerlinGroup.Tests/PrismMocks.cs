using Finqware.AppHost.Hosting;
using Finqware.AppHost.Infrastructure;

namespace Finqware.SkillConnectors.BerlinGroup.Tests;

/// <summary>
/// Stoplight Prism serving the official NextGenPSD2 1.3.11 file (specs/), started as the AppHost starts the bank-mock
/// (<see cref="LocalNodeTool.Prism"/>), on a free port, for one test class.
/// </summary>
public abstract class PrismMock(bool dynamic) : IAsyncLifetime
{
    public const string Specification = "specs/berlin-group-nextgenpsd2-1.3.11.yaml";

    private LocalNodeTool? prism;

    public Uri BaseUrl => new(prism!.Url);

    public static string RepositoryRoot => FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("Finqware.sln not found above the test assembly.");

    public async ValueTask InitializeAsync()
    {
        prism = LocalNodeTool.Prism(RepositoryRoot, Specification, Ports.Free(), dynamic);
        // Prism reads the 530 KB file first: about 15 s on a loaded 2-core machine.
        await prism.StartAsync(TimeSpan.FromMinutes(2), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (prism is not null)
        {
            await prism.DisposeAsync();
        }
    }
}

/// <summary>Prism answering with the specification's examples (<c>Prefer: example=…</c> picks one by name).</summary>
public sealed class ExamplePrism() : PrismMock(dynamic: false);

/// <summary>Prism answering with random data valid against the specification's schemas (<c>--dynamic</c>).</summary>
public sealed class DynamicPrism() : PrismMock(dynamic: true);
