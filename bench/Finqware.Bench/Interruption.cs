using System.Runtime.InteropServices;

namespace Finqware.Bench;

/// <summary>
/// Ctrl+C, SIGTERM or SIGHUP while a bench runs: what the bench started is stopped, newest first, and the process exits
/// with 130. The booted system's processes run in process groups of their own (as under <c>./run.sh</c>), so a signal to
/// the bench reaches none of them: without this they would keep running, holding ports, memory and CPU that the next run
/// would measure.
/// </summary>
internal static class Interruption
{
    private static readonly Lock Gate = new();
    private static readonly List<Func<Task>> Cleanups = [];
    private static PosixSignalRegistration[]? registrations;
    private static Task? stopping;

    /// <summary>Runs <paramref name="cleanup"/> if the bench is interrupted before the returned handle is disposed.</summary>
    public static IDisposable OnInterrupt(Func<Task> cleanup)
    {
        lock (Gate)
        {
            registrations ??= [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, OnSignal))];
            Cleanups.Add(cleanup);
        }

        return new Registration(cleanup);
    }

    /// <summary>
    /// When the bench has been interrupted, never returns: the cleanups run and the process exits. Code that finds the
    /// system gone under it waits here, so it neither races the cleanups nor ends the process with a stack trace.
    /// </summary>
    public static Task WaitIfInterruptedAsync()
    {
        lock (Gate)
        {
            return stopping is null ? Task.CompletedTask : new TaskCompletionSource().Task;
        }
    }

    private static void OnSignal(PosixSignalContext signal)
    {
        signal.Cancel = true;
        lock (Gate)
        {
            stopping ??= Task.Run(StopAsync);
        }
    }

    private static async Task StopAsync()
    {
        Console.Error.WriteLine("interrupted: stopping what the bench started…");
        Func<Task>[] cleanups;
        lock (Gate)
        {
            cleanups = [.. Cleanups];
            Cleanups.Clear();
        }

        foreach (var cleanup in cleanups.Reverse())
        {
            try
            {
                await cleanup();
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"interrupted: a cleanup failed: {ex.Message}");
            }
        }

        Console.Error.WriteLine("interrupted: stopped");
        Environment.Exit(130);
    }

    private sealed class Registration(Func<Task> cleanup) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate)
            {
                Cleanups.Remove(cleanup);
            }
        }
    }
}
