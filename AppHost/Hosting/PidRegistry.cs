using System.Globalization;

namespace Finqware.AppHost.Hosting;

/// <summary>
/// Records the process group of every child under <c>.finqware/pids/</c>, so that the next start ends whatever an
/// AppHost that was killed (SIGKILL, a crash) left running, before it binds ports again.
/// </summary>
public sealed class PidRegistry(string directory)
{
    public string Directory { get; } = directory;

    public void Record(string name, int processGroup)
    {
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(FileOf(name), string.Create(CultureInfo.InvariantCulture, $"{processGroup} {StartTime(processGroup)}"));
    }

    public void Forget(string name) => File.Delete(FileOf(name));

    /// <summary>
    /// The recorded groups that are still ours: a live leader must have the recorded start time (its pid was not
    /// reused); a group whose leader is gone keeps its id reserved by the kernel while members remain.
    /// </summary>
    public IReadOnlyList<int> Recorded() => System.IO.Directory.Exists(Directory)
        ? System.IO.Directory.GetFiles(Directory, "*.pid")
            .Select(f => File.ReadAllText(f).Trim().Split(' '))
            .Select(parts => (Group: int.TryParse(parts[0], out var pid) ? pid : 0, Start: parts.Length > 1 ? parts[1] : ""))
            .Where(r => r.Group > 1 && (!ChildProcess.IsAlive(r.Group) || StartTime(r.Group) == r.Start))
            .Select(r => r.Group)
            .ToList()
        : [];

    /// <summary>Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot.</summary>
    private static string StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[19];
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>Ends the recorded groups that still run, gracefully first; returns how many were found.</summary>
    public async Task<int> EndLeftoversAsync()
    {
        var alive = Recorded().Where(ChildProcess.GroupIsAlive).ToList();
        foreach (var group in alive)
        {
            ChildProcess.SignalGroup(group, Signals.SIGTERM);
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (alive.Any(ChildProcess.GroupIsAlive) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        foreach (var group in alive.Where(ChildProcess.GroupIsAlive))
        {
            ChildProcess.SignalGroup(group, Signals.SIGKILL);
        }

        if (System.IO.Directory.Exists(Directory))
        {
            foreach (var file in System.IO.Directory.GetFiles(Directory, "*.pid"))
            {
                File.Delete(file);
            }
        }

        return alive.Count;
    }

    private string FileOf(string name) => Path.Combine(Directory, name + ".pid");
}
