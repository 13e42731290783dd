using System.Diagnostics;
using Finqware.AppHost.Hosting;
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
            var deadline = DateTime.UtcNow.AddMinutes(5);
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

            // Graceful first, in reverse dependency order (ten resources since the sandbox connectors), then killed after
            // a timeout: allow all of it, and then require that nothing is left.
            using var within = new CancellationTokenSource(TimeSpan.FromSeconds(45));
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

    [Fact]
    public async Task The_dashboard_stops_starts_and_restarts_a_project()
    {
        var state = TestInfrastructure.TempDirectory("actions");
        var builder = FinqwareHost.CreateBuilder(new FinqwareHostOptions
        {
            RepositoryRoot = RepositoryRoot,
            StateDirectory = state,
            RandomPorts = true,
            FastInfrastructure = true,
        });
        var postgres = builder.AddPostgres("postgres");
        var messaging = builder.AddRabbitMq("messaging");
        builder.AddProject("catalog", "../CatalogService/CatalogService.csproj").WithReference(postgres.AddDatabase("catalogdb")).WithReference(messaging);
        try
        {
            await using var host = builder.Build();
            await host.StartAsync(Cancel);
            using var dashboard = new HttpClient { BaseAddress = new Uri(host.DashboardUrl!) };
            var firstPid = (await CatalogAsync(dashboard)).GetProperty("pid").GetInt32();

            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await dashboard.PostAsync("/api/resources/catalog/stop", null, Cancel)).StatusCode);
            var stopped = await CatalogAsync(dashboard);
            Assert.Equal("Stopped", stopped.GetProperty("state").GetString());
            Assert.False(ChildProcess.GroupIsAlive(firstPid));
            Assert.Equal(System.Net.HttpStatusCode.Conflict, (await dashboard.PostAsync("/api/resources/postgres/stop", null, Cancel)).StatusCode);

            await dashboard.PostAsync("/api/resources/catalog/start", null, Cancel);
            var started = await WaitForAsync(dashboard, r => r.GetProperty("state").GetString() == "Running" && r.GetProperty("health").GetString() == "Healthy");
            Assert.NotEqual(firstPid, started.GetProperty("pid").GetInt32());

            await dashboard.PostAsync("/api/resources/catalog/restart", null, Cancel);
            var restarted = await WaitForAsync(dashboard, r => r.GetProperty("restart_count").GetInt32() == 1 && r.GetProperty("state").GetString() == "Running" && r.GetProperty("health").GetString() == "Healthy");
            Assert.NotEqual(started.GetProperty("pid").GetInt32(), restarted.GetProperty("pid").GetInt32());
        }
        finally
        {
            TestInfrastructure.DeleteQuietly(state);
        }
    }

    private async Task<JsonElement> CatalogAsync(HttpClient dashboard) =>
        JsonSerializer.Deserialize<JsonElement>(await dashboard.GetStringAsync("/api/resources/catalog", Cancel));

    private async Task<JsonElement> WaitForAsync(HttpClient dashboard, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var resource = await CatalogAsync(dashboard);
            if (condition(resource))
            {
                return resource;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The catalog did not get there within 60 s: {resource}");
            await Task.Delay(200, Cancel);
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
