using System.Diagnostics;

namespace Finqware.Deploy.Tests;

/// <summary>Paths of the repository and the tools the checks run.</summary>
public static class Repository
{
    public static string Root { get; } = Finqware.AppHost.Hosting.FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("Finqware.sln not found above " + AppContext.BaseDirectory);

    public static string Kubernetes { get; } = Path.Combine(Root, "deploy", "kubernetes");

    /// <summary>The overlays under deploy/kubernetes/overlays: every one is checked.</summary>
    public static IReadOnlyList<string> Overlays { get; } = Directory.GetDirectories(Path.Combine(Kubernetes, "overlays"))
        .Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    /// <summary>
    /// The kubectl that renders the manifests: the one scripts/prereqs.sh installs (pinned, exported by ./test.sh as
    /// FINQWARE_KUBECTL), else the first on PATH.
    /// </summary>
    public static string Kubectl => Environment.GetEnvironmentVariable("FINQWARE_KUBECTL") is { Length: > 0 } path ? path : "kubectl";

    /// <summary>The build configuration of this test assembly (Debug or Release), to find the deployables' builds.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static (int ExitCode, string Output, string Error) Run(
        string file, IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? Root };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Cannot run {file}: {ex.Message}. Run ./test.sh (scripts/prereqs.sh installs kubectl) or set FINQWARE_KUBECTL.", ex);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            // A hang guard, not a timing assertion: nothing here should take more than a fraction of it.
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish: {error.Result}");
            }

            return (process.ExitCode, output.Result, error.Result);
        }
    }
}
