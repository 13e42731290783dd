using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Finqware.AppHost.Hosting;
using Npgsql;

namespace Finqware.AppHost.Infrastructure;

/// <summary>
/// A PostgreSQL server run as a child process: <c>initdb</c> once into <see cref="DataDirectory"/>, then the
/// <c>postgres</c> server in the foreground on a loopback port. As root, both run as the <c>postgres</c> user
/// (PostgreSQL refuses root), so the data directory must be reachable by that user: when the requested folder sits
/// under a private directory (such as /root), the data lives under /var/tmp instead, keyed by the requested path.
/// </summary>
public sealed class LocalPostgres : ILocalServer, IAsyncDisposable
{
    private readonly Action<string, bool> output;
    private ChildProcess? server;

    /// <summary>The server lives in a folder of its own: the cluster in <c>data/</c> inside, the socket beside it.</summary>
    public LocalPostgres(string directory, int port, bool fastAndUnsafe, Action<string, bool>? output = null)
    {
        Port = port;
        FastAndUnsafe = fastAndUnsafe;
        this.output = output ?? ((_, _) => { });
        Folder = ReachableDataDirectory(Path.GetFullPath(directory));
        DataDirectory = Path.Combine(Folder, "data");
    }

    /// <summary>The folder actually used (see the class summary).</summary>
    public string Folder { get; }

    public string DataDirectory { get; }

    public int Port { get; }

    /// <summary>fsync off: for throwaway test servers only.</summary>
    public bool FastAndUnsafe { get; }

    public ChildProcess? Process => server;

    public IReadOnlyList<(string Suffix, ChildProcess Process)> Processes => server is null ? [] : [("", server)];

    /// <summary>Server-level connection string (database <c>postgres</c>).</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    public static bool IsInstalled => FindBinDirectory() is not null;

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
    }.ConnectionString;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var bin = FindBinDirectory() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres). Run ./run.sh, which installs it, or set ConnectionStrings__postgres.");
        Directory.CreateDirectory(Folder);
        var socketDirectory = Folder;
        if (IsRoot)
        {
            await RunToEndAsync("chown", ["-R", "postgres:postgres", Folder], cancellationToken);
        }

        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            output($"initdb {DataDirectory}", false);
            await RunToEndAsync(AsPostgres(Path.Combine(bin, "initdb")),
                [.. AsPostgresArgs(Path.Combine(bin, "initdb")), "-D", DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                cancellationToken);
        }

        // A server left by a crashed host holds the pid file; it is ended by the pid registry before we get here.
        File.Delete(Path.Combine(DataDirectory, "postmaster.pid"));
        List<string> arguments =
        [
            .. AsPostgresArgs(Path.Combine(bin, "postgres")),
            "-D", DataDirectory, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-k", socketDirectory, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
        ];
        if (FastAndUnsafe)
        {
            arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        server = ChildProcess.Start(AsPostgres(Path.Combine(bin, "postgres")), arguments, "/", new Dictionary<string, string?>(), output);
        await WaitReadyAsync(cancellationToken);
    }

    /// <summary>Creates <paramref name="database"/> unless it exists.</summary>
    public Task CreateDatabaseAsync(string database, CancellationToken cancellationToken) =>
        CreateDatabaseAsync(ConnectionString, database, cancellationToken);

    public static async Task CreateDatabaseAsync(string serverConnectionString, string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            try
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // Created concurrently: fine.
            }
        }
    }

    public async Task StopAsync()
    {
        if (server is not null)
        {
            // SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients to disconnect.
            await server.StopAsync(TimeSpan.FromSeconds(10), Signals.SIGINT);
            server = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (server!.HasExited)
            {
                throw new InvalidOperationException($"PostgreSQL exited with code {await server.Exited} while starting (data in {DataDirectory}).");
            }

            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString + ";Timeout=2;Pooling=false");
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException && started.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static string AsPostgres(string program) => IsRoot ? "setpriv" : program;

    private static string[] AsPostgresArgs(string program) =>
        IsRoot ? ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", program] : [];

    private static async Task RunToEndAsync(string fileName, string[] arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(fileName) { WorkingDirectory = "/", RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }

    internal static string? FindBinDirectory() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "postgres")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;

    /// <summary>The requested folder when the postgres user can reach it, else a folder under /var/tmp keyed by it.</summary>
    internal static string ReachableDataDirectory(string requested)
    {
        if (!IsRoot || EveryAncestorIsEnterableByOthers(requested))
        {
            return requested;
        }

        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(requested)))[..12];
        return Path.Combine("/var/tmp", $"finqware-{key}", Path.GetFileName(requested));
    }

    private static bool EveryAncestorIsEnterableByOthers(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        for (var dir = Path.GetDirectoryName(path); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir) && (File.GetUnixFileMode(dir) & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
    }
}
