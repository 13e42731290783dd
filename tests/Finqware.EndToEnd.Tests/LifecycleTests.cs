using System.Diagnostics;
using System.Text.Json;
using Finqware.AppHost.Hosting;
using Finqware.Testing;
using Npgsql;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// What the AppHost promises about its lifetime: data kept across runs (and dropped by <c>--fresh</c>), and nothing
/// it started left running after SIGTERM.
/// </summary>
public sealed class LifecycleTests
{
    private static string RepositoryRoot => FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_second_run_keeps_the_data_of_the_first_and_fresh_drops_it()
    {
        var state = TestInfrastructure.TempDirectory("state");
        try
        {
            await using (var first = PostgresOnly(state, fresh: false))
            {
                await first.StartAsync(Cancel);
                await ExecuteAsync(first, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (7);");
            }

            await using (var second = PostgresOnly(state, fresh: false))
            {
                await second.StartAsync(Cancel);
                Assert.Equal(7, await ScalarAsync(second, "SELECT v FROM kept"));
            }

            await using (var fresh = PostgresOnly(state, fresh: true))
            {
                await fresh.StartAsync(Cancel);
                Assert.Equal(0L, await ScalarAsync(fresh, "SELECT count(*) FROM pg_tables WHERE tablename = 'kept'"));
            }
        }
        finally
        {
            TestInfrastructure.DeleteQuietly(state);
        }
    }

    [Fact]
    public async Task Sigterm_to_the_apphost_process_leaves_nothing_it_started_running()
    {
        var state = TestInfrastructure.TempDirectory("sigterm");
        var appHost = Path.Combine(AppContext.BaseDirectory, "AppHost.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "exec", appHost, "--random-ports", "--state-dir", state })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var endpoints = Path.Combine(state, "endpoints.json");
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (!File.Exists(endpoints) && !process.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, Cancel);
            }

            Assert.True(File.Exists(endpoints), "The AppHost did not come up:\n" + string.Join('\n', output));
            var groups = Directory.GetFiles(Path.Combine(state, "pids"), "*.pid")
                .Select(f => int.Parse(File.ReadAllText(f).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture))
                .ToList();
            Assert.True(groups.Count >= 7, $"expected postgres, epmd, rabbitmq and four projects, found {groups.Count} groups");
            Assert.All(groups, g => Assert.True(ChildProcess.GroupIsAlive(g)));
            using (var gateway = new HttpClient())
            {
                var urls = JsonSerializer.Deserialize<Dictionary<string, string?>>(await File.ReadAllTextAsync(endpoints, Cancel))!;
                Assert.True((await gateway.GetAsync(new Uri(urls["gateway"] + "/health"), Cancel)).IsSuccessStatusCode);
            }

            Assert.True(ChildProcess.Signal(process.Id, Signals.SIGTERM));

            using var within = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await process.WaitForExitAsync(within.Token);
            var survivors = groups.Where(ChildProcess.GroupIsAlive).ToList();
            Assert.True(survivors.Count == 0, $"still running after SIGTERM: groups {string.Join(", ", survivors)}");
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await new PidRegistry(Path.Combine(state, "pids")).EndLeftoversAsync();
            TestInfrastructure.DeleteQuietly(state);
        }
    }

    private static FinqwareHost PostgresOnly(string state, bool fresh)
    {
        var builder = FinqwareHost.CreateBuilder(new FinqwareHostOptions
        {
            RepositoryRoot = RepositoryRoot,
            StateDirectory = state,
            Fresh = fresh,
            FastInfrastructure = true,
            Dashboard = false,
        });
        builder.AddPostgres("postgres").AddDatabase("appdb");
        return builder.Build();
    }

    private static string AppDb(FinqwareHost host) => ((DatabaseResource)host["appdb"]).ConnectionString;

    private static async Task ExecuteAsync(FinqwareHost host, string sql)
    {
        await using var connection = new NpgsqlConnection(AppDb(host));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(FinqwareHost host, string sql)
    {
        await using var connection = new NpgsqlConnection(AppDb(host));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
