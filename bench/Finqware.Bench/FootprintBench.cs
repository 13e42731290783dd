using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Finqware.AppHost.Hosting;

namespace Finqware.Bench;

/// <summary>
/// <c>--footprint [LOAD MINUTES] [CLIENTS]</c>: what the whole system costs in memory and how long it takes to start,
/// measured on the AppHost program itself, as <c>./run.sh</c> runs it (this bench's build configuration, free ports, a
/// state directory of its own, the dashboard on). Two starts: the first on an empty state directory (PostgreSQL's
/// initdb, RabbitMQ's first boot, every migration), then the second on the data the first left, which is what
/// <c>./run.sh</c> does on a developer's machine every day. Each is timed from the process start to the AppHost's
/// "Finqware is up" (every resource healthy and the demo tenant provisioned). After the second start: one minute idle,
/// then the proportional set size (PSS, <c>/proc/PID/smaps_rollup</c>) of every process the AppHost started,
/// PostgreSQL's and RabbitMQ's included, and of the AppHost; then LOAD MINUTES of <see cref="SystemSoakTraffic"/> with
/// CLIENTS clients, one minute idle, and the same again. Environment variables given to the bench (say
/// <c>DOTNET_GCgen0size</c>) reach every process through the AppHost, so settings can be compared without a rebuild.
/// </summary>
internal static class FootprintBench
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(1);

    /// <summary>Runs it; the system keeps its data in <paramref name="stateDirectory"/> (emptied first, deleted after), a new temporary directory unless given.</summary>
    public static async Task RunAsync(int loadMinutes, int clients, string? stateDirectory, string root)
    {
        var loadBefore = BenchApi.LoadAverage();
        var configuration = BenchApi.Configuration();
        var state = stateDirectory ?? Path.Combine(Path.GetTempPath(), $"finqware-footprint-{Guid.NewGuid():N}");
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }

        try
        {
            TimeSpan firstStart;
            await using (var first = await AppHostRun.StartAsync(root, configuration, state))
            {
                firstStart = first.StartTime;
                Console.WriteLine($"first start (empty state): {Seconds(firstStart)}");
            }

            await using var run = await AppHostRun.StartAsync(root, configuration, state);
            Console.WriteLine($"second start (the first's data): {Seconds(run.StartTime)}; idle for {Idle.TotalSeconds:0} s");
            await Task.Delay(Idle);
            var idle = Snapshot.Take(run.Pid);
            Console.WriteLine(Table(idle, null));

            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(loadMinutes));
            using var gateway = new HttpClient { BaseAddress = new Uri(run.GatewayUrl) };
            var traffic = await SystemSoakTraffic.PrepareAsync(gateway, stop.Token);
            Console.WriteLine($"load: {clients} clients for {loadMinutes} min");
            await Task.WhenAll(Enumerable.Range(0, clients).Select(traffic.RunClientAsync).Append(traffic.RenewTokenAsync()));
            Console.WriteLine($"load done ({traffic.Requests} requests, {traffic.Sessions} sessions, {traffic.Steps} steps, {traffic.Unexpected} unexpected); idle for {Idle.TotalSeconds:0} s");
            Console.WriteLine("answers: " + string.Join(", ", traffic.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
            Console.WriteLine("unexpected: " + string.Join("; ", traffic.Notes.Take(5)));
            await Task.Delay(Idle);
            var afterLoad = Snapshot.Take(run.Pid);

            var report = Report(configuration, loadBefore, firstStart, run.StartTime, run.StartLog, idle, afterLoad, loadMinutes, clients, traffic);
            Console.WriteLine();
            Console.WriteLine(report);
            await File.WriteAllTextAsync(Path.Combine(root, "bench", "last-footprint.md"), report);
        }
        finally
        {
            if (Directory.Exists(state))
            {
                Directory.Delete(state, recursive: true);
            }
        }
    }

    private static string Report(
        string configuration, string loadBefore, TimeSpan firstStart, TimeSpan secondStart, IReadOnlyList<string> startLog,
        Snapshot idle, Snapshot afterLoad, int loadMinutes, int clients, SystemSoakTraffic traffic)
    {
        var settings = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(key => key.StartsWith("DOTNET_", StringComparison.Ordinal) && key is not ("DOTNET_CLI_TELEMETRY_OPTOUT" or "DOTNET_NOLOGO" or "DOTNET_SKIP_FIRST_TIME_EXPERIENCE" or "DOTNET_ROOT"))
            .Order(StringComparer.Ordinal)
            .Select(key => $"{key}={Environment.GetEnvironmentVariable(key)}")
            .ToList();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Footprint ({configuration}, {Environment.ProcessorCount} cores, load average before {loadBefore}, after {BenchApi.LoadAverage()}; environment: {(settings.Count == 0 ? "none set" : string.Join(' ', settings))})");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Start to every resource healthy: {Seconds(firstStart)} on an empty state directory, {Seconds(secondStart)} on the first start's data (target ≤ 20 s).");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"PSS after {Idle.TotalMinutes:0} min idle, once after the start and once after {loadMinutes} min of load ({clients} clients: {traffic.Requests} requests, {traffic.Sessions} sessions, {traffic.Steps} steps, {traffic.Unexpected} unexpected answers). Target ≤ 1.0 GB in all.");
        text.AppendLine();
        text.Append(Table(idle, afterLoad));
        text.AppendLine();
        text.AppendLine("Second start, as the AppHost printed it:");
        text.AppendLine();
        text.AppendLine("```");
        foreach (var line in startLog.Where(l => l.StartsWith("[apphost]", StringComparison.Ordinal) || l.StartsWith("Finqware is up", StringComparison.Ordinal)))
        {
            text.AppendLine(line);
        }

        text.AppendLine("```");
        return text.ToString();
    }

    private static string Table(Snapshot idle, Snapshot? afterLoad)
    {
        var text = new StringBuilder();
        text.AppendLine(afterLoad is null ? "| process | processes | PSS idle (MB) | RSS idle (MB) |" : "| process | processes | PSS idle (MB) | PSS after load, idle (MB) | RSS after load (MB) |");
        text.AppendLine(afterLoad is null ? "|---|---|---|---|" : "|---|---|---|---|---|");
        var names = idle.Groups.Keys.Union(afterLoad?.Groups.Keys ?? Enumerable.Empty<string>()).OrderByDescending(name => afterLoad?.Pss(name) ?? idle.Pss(name)).ToList();
        foreach (var name in names)
        {
            text.AppendLine(afterLoad is null
                ? string.Create(CultureInfo.InvariantCulture, $"| {name} | {idle.Count(name)} | {Mb(idle.Pss(name))} | {Mb(idle.Rss(name))} |")
                : string.Create(CultureInfo.InvariantCulture, $"| {name} | {afterLoad.Count(name)} | {Mb(idle.Pss(name))} | {Mb(afterLoad.Pss(name))} | {Mb(afterLoad.Rss(name))} |"));
        }

        text.AppendLine(afterLoad is null
            ? string.Create(CultureInfo.InvariantCulture, $"| **all** | {idle.Groups.Values.Sum(g => g.Count)} | **{Mb(idle.TotalPss)}** | {Mb(idle.TotalRss)} |")
            : string.Create(CultureInfo.InvariantCulture, $"| **all** | {afterLoad.Groups.Values.Sum(g => g.Count)} | **{Mb(idle.TotalPss)}** | **{Mb(afterLoad.TotalPss)}** | {Mb(afterLoad.TotalRss)} |"));
        return text.ToString();
    }

    private static string Mb(long kilobytes) => (kilobytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.0 s", CultureInfo.InvariantCulture);

    /// <summary>
    /// The AppHost program started as <c>./run.sh</c> starts it, with its own free ports and state directory; the
    /// gateway's budgets per tenant lifted (the soak's clients are one tenant: at the default 600 client calls a minute
    /// most of its load would be 429s, which measure the rate limiter, not the system in use).
    /// </summary>
    private sealed class AppHostRun : IAsyncDisposable
    {
        private static readonly Dictionary<string, string?> LiftedBudgets = new[] { "client", "server", "management", "anonymous" }
            .ToDictionary(route => $"RateLimits__Classes__{route}__PermitLimit", _ => (string?)"1000000");

        private readonly ChildProcess process;

        private AppHostRun(ChildProcess process, TimeSpan startTime, string gatewayUrl, IReadOnlyList<string> startLog)
        {
            this.process = process;
            StartTime = startTime;
            GatewayUrl = gatewayUrl;
            StartLog = startLog;
        }

        public int Pid => process.Pid;

        public TimeSpan StartTime { get; }

        public string GatewayUrl { get; }

        public IReadOnlyList<string> StartLog { get; }

        public static async Task<AppHostRun> StartAsync(string root, string configuration, string state)
        {
            var assembly = Path.Combine(root, "AppHost", "bin", configuration, "net10.0", "AppHost.dll");
            var lines = new ConcurrentQueue<string>();
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var watch = Stopwatch.StartNew();
            var process = ChildProcess.Start("dotnet", [assembly, "--random-ports", "--state-dir", state], root, LiftedBudgets, (line, _) =>
            {
                lines.Enqueue(line);
                if (line.StartsWith("Finqware is up", StringComparison.Ordinal))
                {
                    up.TrySetResult();
                }
            });
            var run = await Task.WhenAny(up.Task, process.Exited, Task.Delay(TimeSpan.FromMinutes(5)));
            var startTime = watch.Elapsed;
            if (run != up.Task)
            {
                await process.DisposeAsync();
                throw new InvalidOperationException($"The AppHost did not come up: {string.Join(Environment.NewLine, lines.TakeLast(30))}");
            }

            var endpoints = JsonSerializer.Deserialize<Dictionary<string, string?>>(await File.ReadAllTextAsync(Path.Combine(state, "endpoints.json")))!;
            return new AppHostRun(process, startTime, endpoints["gateway"]!, [.. lines]);
        }

        public async ValueTask DisposeAsync() => await process.StopAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>The memory of a process and all its descendants, grouped by what they are.</summary>
    private sealed class Snapshot
    {
        private Snapshot(Dictionary<string, List<(int Pid, long Pss, long Rss)>> groups) => Groups = groups;

        public Dictionary<string, List<(int Pid, long Pss, long Rss)>> Groups { get; }

        public long TotalPss => Groups.Values.Sum(g => g.Sum(p => p.Pss));

        public long TotalRss => Groups.Values.Sum(g => g.Sum(p => p.Rss));

        public long Pss(string name) => Groups.TryGetValue(name, out var g) ? g.Sum(p => p.Pss) : 0;

        public long Rss(string name) => Groups.TryGetValue(name, out var g) ? g.Sum(p => p.Rss) : 0;

        public int Count(string name) => Groups.TryGetValue(name, out var g) ? g.Count : 0;

        public static Snapshot Take(int root)
        {
            var parents = new Dictionary<int, int>();
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } parent)
                {
                    parents[pid] = parent;
                }
            }

            var tree = new HashSet<int> { root };
            bool grew;
            do
            {
                grew = false;
                foreach (var (pid, parent) in parents)
                {
                    if (tree.Contains(parent) && tree.Add(pid))
                    {
                        grew = true;
                    }
                }
            }
            while (grew);

            var groups = new Dictionary<string, List<(int, long, long)>>();
            foreach (var pid in tree)
            {
                if (Memory(pid) is not { } memory)
                {
                    continue;
                }

                var name = pid == root ? "AppHost (dashboard, OTLP receiver)" : NameOf(pid);
                if (!groups.TryGetValue(name, out var list))
                {
                    groups[name] = list = [];
                }

                list.Add((pid, memory.Pss, memory.Rss));
            }

            return new Snapshot(groups);
        }

        private static int? Stat(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return null;
            }
        }

        private static (long Pss, long Rss)? Memory(int pid)
        {
            try
            {
                long pss = 0, rss = 0;
                foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
                {
                    if (line.StartsWith("Pss:", StringComparison.Ordinal))
                    {
                        pss = Kilobytes(line);
                    }
                    else if (line.StartsWith("Rss:", StringComparison.Ordinal))
                    {
                        rss = Kilobytes(line);
                    }
                }

                return (pss, rss);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        private static long Kilobytes(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

        /// <summary>A .NET program by its assembly; PostgreSQL, RabbitMQ (the Erlang VM and its helpers) and node by what they serve.</summary>
        private static string NameOf(int pid)
        {
            string[] argv;
            try
            {
                argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (IOException)
            {
                return "?";
            }

            var comm = File.Exists($"/proc/{pid}/comm") ? File.ReadAllText($"/proc/{pid}/comm").Trim() : "?";
            if (argv.FirstOrDefault(a => a.EndsWith(".dll", StringComparison.Ordinal)) is { } dll)
            {
                return Path.GetFileNameWithoutExtension(dll);
            }

            return comm switch
            {
                _ when argv.Length > 0 && argv[0].Contains("postgres", StringComparison.Ordinal) => "PostgreSQL",
                "postgres" => "PostgreSQL",
                "beam.smp" or "epmd" or "erl_child_setup" or "inet_gethost" or "sh" when argv.Any(a => a.Contains("rabbit", StringComparison.Ordinal) || a.Contains("erl", StringComparison.Ordinal)) => "RabbitMQ",
                "beam.smp" or "epmd" or "erl_child_setup" or "inet_gethost" => "RabbitMQ",
                "node" or "MainThread" => "bank-mock (Prism, node)",
                _ => comm,
            };
        }
    }
}
