using System.Diagnostics;

namespace Finqware.Sdks.Tests;

/// <summary>The repository and the tools scripts/prereqs.sh installs (npm packages, dotnet tools).</summary>
internal static class Tools
{
    public static string Root { get; } = FindRoot(AppContext.BaseDirectory);

    public static string InRoot(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Runs a program; its exit code, standard output and standard error.</summary>
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string program, IEnumerable<string> arguments, string workingDirectory, CancellationToken cancel)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(cancel);
        var error = process.StandardError.ReadToEndAsync(cancel);
        await process.WaitForExitAsync(cancel);
        return (process.ExitCode, await output, await error);
    }

    public static async Task<string> SucceedAsync(string program, IEnumerable<string> arguments, string workingDirectory, CancellationToken cancel)
    {
        var (exit, output, error) = await RunAsync(program, arguments, workingDirectory, cancel);
        Assert.True(exit == 0, $"{program} {string.Join(' ', arguments)} exited {exit}:\n{output}\n{error}");
        return output;
    }

    private static string FindRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Finqware.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Finqware.sln not found above the test assembly.");
    }
}
