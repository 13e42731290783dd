using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Finqware.AppHost.Hosting;

namespace Finqware.AppHost.Infrastructure;

/// <summary>
/// A RabbitMQ node run as a child process with everything of its own: HOME (Erlang cookie), node name, ports, an
/// epmd on a private port (started by us in the node's process group, so nothing daemonised outlives the node),
/// data, logs, config and the management plugin. Debian's /usr/sbin wrappers switch user, so the scripts under
/// /usr/lib/rabbitmq/bin are called directly.
/// </summary>
public sealed class LocalRabbitMq : ILocalServer, IAsyncDisposable
{
    private const string RabbitBin = "/usr/lib/rabbitmq/bin";
    private readonly Action<string, bool> output;
    private readonly int distPort;
    private readonly int epmdPort;
    private readonly int ctlPortMin;
    private ChildProcess? epmd;
    private ChildProcess? node;

    public LocalRabbitMq(string directory, int amqpPort, int managementPort, Action<string, bool>? output = null)
    {
        Directory = Path.GetFullPath(directory);
        AmqpPort = amqpPort;
        ManagementPort = managementPort;
        this.output = output ?? ((_, _) => { });
        distPort = Ports.Free();
        epmdPort = Ports.Free();
        ctlPortMin = Ports.FreeRange(10);
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Directory)))[..10];
        NodeName = $"finqware-{key}@localhost";
    }

    public string Directory { get; }

    public int AmqpPort { get; }

    public int ManagementPort { get; }

    public string NodeName { get; }

    public ChildProcess? Process => node;

    public ChildProcess? EpmdProcess => epmd;

    /// <summary>The node, then its private epmd (started in the node's group, recorded on its own all the same).</summary>
    public IReadOnlyList<(string Suffix, ChildProcess Process)> Processes =>
        [.. new (string, ChildProcess?)[] { ("", node), ("-epmd", epmd) }.Where(p => p.Item2 is not null).Select(p => (p.Item1, p.Item2!))];

    public string ConnectionString => $"amqp://guest:guest@127.0.0.1:{AmqpPort}";

    public string ManagementUrl => $"http://127.0.0.1:{ManagementPort}";

    public static bool IsInstalled => File.Exists(Path.Combine(RabbitBin, "rabbitmq-server"));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!IsInstalled)
        {
            throw new InvalidOperationException(
                "RabbitMQ is not installed (no /usr/lib/rabbitmq/bin/rabbitmq-server). Run ./run.sh, which installs it, or set ConnectionStrings__messaging.");
        }

        foreach (var sub in new[] { "home", "mnesia", "log" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(Directory, sub));
        }

        await File.WriteAllTextAsync(Path.Combine(Directory, "enabled_plugins"), "[rabbitmq_management].\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(Directory, "rabbitmq.conf"), string.Create(CultureInfo.InvariantCulture, $"""
            listeners.tcp.default = 127.0.0.1:{AmqpPort}
            management.tcp.port = {ManagementPort}
            management.tcp.ip = 127.0.0.1
            loopback_users.guest = true
            log.console = true
            log.console.level = warning
            log.file = false
            """), cancellationToken);
        File.Delete(PidFile);

        var environment = Environment();
        var epmdPath = File.Exists("/usr/lib/erlang/bin/epmd") ? "/usr/lib/erlang/bin/epmd" : "epmd";
        epmd = ChildProcess.Start(epmdPath, ["-port", epmdPort.ToString(CultureInfo.InvariantCulture)], Directory, environment, output);
        node = ChildProcess.Start(Path.Combine(RabbitBin, "rabbitmq-server"), [], Directory, environment, output);

        var started = Stopwatch.StartNew();
        while (!File.Exists(PidFile) && !node.HasExited && started.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100, cancellationToken);
        }

        var wait = await RunCtlAsync(["wait", "--timeout", "120", PidFile], cancellationToken);
        if (wait != 0 || node.HasExited)
        {
            throw new InvalidOperationException($"RabbitMQ node {NodeName} did not start (rabbitmqctl wait exited {wait}); see its log lines above.");
        }
    }

    /// <summary>Runs <c>rabbitmqctl</c> against this node; returns its exit code.</summary>
    public async Task<int> RunCtlAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Path.Combine(RabbitBin, "rabbitmqctl"))
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in Environment())
        {
            info.Environment[key] = value;
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            output($"rabbitmqctl {string.Join(' ', arguments)}: {(await stderr).Trim()} {(await stdout).Trim()}", true);
        }

        return process.ExitCode;
    }

    public async Task StopAsync()
    {
        if (node is not null)
        {
            await node.StopAsync(TimeSpan.FromSeconds(15));
            node = null;
        }

        if (epmd is not null)
        {
            await epmd.StopAsync(TimeSpan.FromSeconds(2));
            epmd = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private string PidFile => Path.Combine(Directory, "rabbitmq.pid");

    private Dictionary<string, string?> Environment() => new()
    {
        ["PATH"] = $"{RabbitBin}:/usr/lib/erlang/bin:{System.Environment.GetEnvironmentVariable("PATH")}",
        ["HOME"] = Path.Combine(Directory, "home"),
        ["RABBITMQ_NODENAME"] = NodeName,
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODE_PORT"] = AmqpPort.ToString(CultureInfo.InvariantCulture),
        ["RABBITMQ_DIST_PORT"] = distPort.ToString(CultureInfo.InvariantCulture),
        ["RABBITMQ_CTL_DIST_PORT_MIN"] = ctlPortMin.ToString(CultureInfo.InvariantCulture),
        ["RABBITMQ_CTL_DIST_PORT_MAX"] = (ctlPortMin + 9).ToString(CultureInfo.InvariantCulture),
        ["ERL_EPMD_PORT"] = epmdPort.ToString(CultureInfo.InvariantCulture),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(Directory, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(Directory, "log"),
        ["RABBITMQ_PID_FILE"] = PidFile,
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(Directory, "rabbitmq"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(Directory, "enabled_plugins"),
        ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(Directory, "advanced.config"),
        ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(Directory, "rabbitmq-env.conf"),
    };
}
