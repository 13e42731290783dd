using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Finqware.AppHost.Hosting;

/// <summary>
/// A child process in its own process group (started through <c>setsid</c>), so that stopping it also stops what it
/// started (beam's helpers, a service's own children). Output lines go to the callback given to Start.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly TaskCompletionSource<int> exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process)
    {
        this.process = process;
    }

    /// <summary>Kept from the start, so it stays readable after the handles are released.</summary>
    public int Pid { get; private set; }

    /// <summary>The process group id: <c>setsid</c> execs in place, so it equals the pid.</summary>
    public int ProcessGroup => Pid;

    public Task<int> Exited => exited.Task;

    public bool HasExited => exited.Task.IsCompleted;

    public static ChildProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string?> environment,
        Action<string, bool> onOutput)
    {
        var info = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(fileName);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onOutput(e.Data, false);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onOutput(e.Data, true);
            }
        };
        process.Exited += (_, _) => child.exited.TrySetResult(SafeExitCode(process));
        process.Start();
        child.Pid = process.Id;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        child.AwaitOwnGroup();
        return child;
    }

    /// <summary>
    /// Waits (briefly) until <c>setsid</c> has made the child the leader of its own group. Until then the group does
    /// not exist: a signal to it, or a pid registry entry checked at once, would miss the child.
    /// </summary>
    private void AwaitOwnGroup() =>
        SpinWait.SpinUntil(() => HasExited || ReadStat(Pid) is not { } stat || stat.Group == Pid, TimeSpan.FromSeconds(2));

    /// <summary>
    /// Sends <paramref name="signal"/> to the whole group, waits up to <paramref name="grace"/>, then kills the group and
    /// waits (up to 5 s) until none of its processes runs: a kill is delivered asynchronously, and whoever stops a
    /// resource to start it again on the same ports needs the old processes gone.
    /// </summary>
    public async Task StopAsync(TimeSpan grace, int signal = Signals.SIGTERM)
    {
        if (!HasExited)
        {
            SignalGroup(ProcessGroup, signal);
            var done = await Task.WhenAny(Exited, Task.Delay(grace));
            if (done != Exited)
            {
                SignalGroup(ProcessGroup, Signals.SIGKILL);
                await Task.WhenAny(Exited, Task.Delay(TimeSpan.FromSeconds(5)));
            }
        }

        // The leader may be gone while members of its group linger (e.g. a daemon it forked).
        SignalGroup(ProcessGroup, Signals.SIGKILL);
        var deadline = Environment.TickCount64 + 5000;
        while (GroupIsAlive(ProcessGroup) && Environment.TickCount64 < deadline)
        {
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        process.Dispose();
    }

    public static bool SignalGroup(int processGroup, int signal) => processGroup > 1 && Kill(-processGroup, signal) == 0;

    public static bool Signal(int pid, int signal) => pid > 1 && Kill(pid, signal) == 0;

    /// <summary>True while <paramref name="pid"/> runs (a zombie waiting to be reaped does not count).</summary>
    public static bool IsAlive(int pid) => pid > 1 && Kill(pid, 0) == 0 && ReadStat(pid) is { State: not 'Z' and not 'X' };

    /// <summary>True while any process of the group runs (zombies do not count).</summary>
    public static bool GroupIsAlive(int processGroup) =>
        processGroup > 1 && Kill(-processGroup, 0) == 0 && MembersOf(processGroup).Any();

    /// <summary>Running (non-zombie) pids whose process group is <paramref name="processGroup"/>.</summary>
    public static IEnumerable<int> MembersOf(int processGroup)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && ReadStat(pid) is { } stat
                && stat.Group == processGroup && stat.State is not 'Z' and not 'X')
            {
                yield return pid;
            }
        }
    }

    private static (char State, int Group)? ReadStat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static int SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

public static class Signals
{
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
}
