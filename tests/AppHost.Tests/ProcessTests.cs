using Finqware.AppHost.Hosting;

namespace Finqware.AppHost.Tests;

/// <summary>Children live in their own process groups, so stopping one stops everything it started.</summary>
public sealed class ProcessTests
{
    private static ChildProcess StartShell(string script, List<string>? output = null) => ChildProcess.Start(
        "sh", ["-c", script], "/", new Dictionary<string, string?>(), (line, _) =>
        {
            lock (output ?? [])
            {
                output?.Add(line);
            }
        });

    [Fact]
    public async Task Stopping_a_child_ends_its_whole_process_group_including_grandchildren()
    {
        var output = new List<string>();
        var child = StartShell("sleep 300 & echo $!; sleep 300", output);
        var grandchild = await WaitForAsync(() => output.Count > 0 ? int.Parse(output[0], System.Globalization.CultureInfo.InvariantCulture) : (int?)null);
        Assert.True(ChildProcess.IsAlive(grandchild));

        await child.StopAsync(TimeSpan.FromSeconds(5));

        Assert.True(child.HasExited);
        // The group's processes get SIGTERM together but exit one by one (the shell's foreground sleep may outlive the
        // background one by a moment): the whole group must be gone, within the wait, not at one instant.
        await WaitForAsync(() => ChildProcess.IsAlive(grandchild) || ChildProcess.GroupIsAlive(child.ProcessGroup) ? null : (bool?)true);
    }

    [Fact]
    public async Task A_child_that_ignores_sigterm_is_killed_after_the_grace_period()
    {
        var child = StartShell("trap '' TERM; while true; do sleep 1; done");
        await Task.Delay(200, TestContext.Current.CancellationToken);

        await child.StopAsync(TimeSpan.FromMilliseconds(500));

        Assert.True(child.HasExited);
        Assert.False(ChildProcess.GroupIsAlive(child.ProcessGroup));
    }

    [Fact]
    public async Task Output_lines_are_captured_in_order()
    {
        var output = new List<string>();
        var child = StartShell("echo one; echo two >&2; echo three", output);

        Assert.Equal(0, await child.Exited.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        await WaitForAsync(() => output.Count == 3 ? (bool?)true : null);
        Assert.Equal(["one", "three"], output.Where(l => l != "two"));
        Assert.Contains("two", output);
    }

    [Fact]
    public async Task The_pid_registry_ends_groups_a_crashed_host_left_behind()
    {
        var folder = TestInfrastructure.TempDirectory("pids");
        try
        {
            var registry = new PidRegistry(folder);
            var orphan = StartShell("sleep 300 & sleep 300");
            registry.Record("orphan", orphan.ProcessGroup);

            var ended = await new PidRegistry(folder).EndLeftoversAsync();

            Assert.Equal(1, ended);
            await orphan.Exited.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            Assert.False(ChildProcess.GroupIsAlive(orphan.ProcessGroup));
            Assert.Empty(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_pid_registry_leaves_a_reused_pid_alone()
    {
        var folder = TestInfrastructure.TempDirectory("pids");
        var bystander = StartShell("sleep 300");
        try
        {
            // A record for the bystander's pid, but with another start time: the pid was reused, it is not ours.
            await File.WriteAllTextAsync(Path.Combine(folder, "stale.pid"), $"{bystander.ProcessGroup} 1", TestContext.Current.CancellationToken);

            var ended = await new PidRegistry(folder).EndLeftoversAsync();

            Assert.Equal(0, ended);
            Assert.True(ChildProcess.IsAlive(bystander.Pid));
        }
        finally
        {
            await bystander.StopAsync(TimeSpan.FromSeconds(2));
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> probe) where T : struct
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The condition did not hold within 10 s.");
    }
}
