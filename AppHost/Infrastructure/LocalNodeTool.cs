using System.Diagnostics;
using Finqware.AppHost.Hosting;

namespace Finqware.AppHost.Infrastructure;

/// <summary>
/// A Node tool of the repository (<c>tools/node</c>, installed by <c>scripts/prereqs.sh</c> with <c>npm ci</c>) run as an HTTP server
/// on a loopback port, in its own process group; ready once the port answers HTTP. The AppHost runs it as a resource
/// (<see cref="NodeResource"/>), the test fixtures directly.
/// </summary>
public sealed class LocalNodeTool(string repositoryRoot, string tool, IReadOnlyList<string> arguments, int port, Action<string, bool>? output = null) : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };
    private ChildProcess? process;

    public string Tool { get; } = tool;

    public int Port { get; } = port;

    public string Url => $"http://127.0.0.1:{Port}";

    public ChildProcess? Process => process;

    public static string ToolsDirectory(string repositoryRoot) => Path.Combine(repositoryRoot, "tools", "node");

    /// <summary>
    /// Stoplight Prism mocking <paramref name="specification"/> (a path from the repository root): the specification's examples,
    /// or with <paramref name="dynamic"/> random answers valid against its schemas. Either way it validates each request against
    /// the specification and answers an invalid one 400/422 with the violations in the <c>sl-violations</c> header.
    /// </summary>
    public static LocalNodeTool Prism(string repositoryRoot, string specification, int port, bool dynamic = false, Action<string, bool>? output = null) =>
        new(repositoryRoot, "prism",
            ["mock", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. dynamic ? new[] { "--dynamic" } : [],
             Path.Combine(repositoryRoot, specification)],
            port, output);

    public async Task StartAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var executable = Path.Combine(ToolsDirectory(repositoryRoot), "node_modules", ".bin", Tool);
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"{executable} is not installed: run ./run.sh or ./test.sh (scripts/prereqs.sh installs tools/node with npm ci).");
        }

        var watch = Stopwatch.StartNew();
        process = ChildProcess.Start(executable, arguments, ToolsDirectory(repositoryRoot), new Dictionary<string, string?> { ["NO_COLOR"] = "1" },
            output ?? ((_, _) => { }));
        while (!await AnswersAsync(cancellationToken))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Tool} exited with code {await process.Exited} while starting.");
            }

            if (watch.Elapsed > timeout)
            {
                await StopAsync();
                throw new TimeoutException($"{Tool} did not answer on {Url} within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>True when the server answers HTTP at all (a mock answers an unknown path 404: it is up).</summary>
    public async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(Url + "/"), cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async Task StopAsync()
    {
        if (process is not null)
        {
            await process.StopAsync(TimeSpan.FromSeconds(5));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (process is not null)
        {
            await process.DisposeAsync();
            process = null;
        }
    }
}
