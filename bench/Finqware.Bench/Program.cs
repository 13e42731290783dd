using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Finqware.AppHost.Hosting;
using Finqware.Bench;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Npgsql;

// The first Finqware benchmark (issue 5): sessions opened per second and the step round trip through the gateway
// against the example connector, each beside a baseline measured in the same run on the same servers: PostgreSQL's own
// single-row insert rate (pgbench) and a bare MassTransit request/response on the same broker.
// Usage (Release, see bench/README.md): Finqware.Bench.dll [seconds per rate measurement] [round trips] [rounds]
// Or: Finqware.Bench.dll --dashboard-soak MINUTES (the dashboard's memory under OTLP load, see DashboardSoak.cs)
// Or: Finqware.Bench.dll --system-soak MINUTES [CLIENTS] (the AppHost's memory with the whole system under load, see SystemSoak.cs).
// Or: Finqware.Bench.dll --footprint [LOAD MINUTES] [CLIENTS] [STATE DIRECTORY] (memory of every process and start time, see FootprintBench.cs).
// Or: Finqware.Bench.dll --documents [READS] (reads of a session with documents against one without, see DocumentsBench.cs).
// Or: Finqware.Bench.dll --skeleton [ROUND TRIPS] [ROUNDS] (the step round trip's hops with nothing else, see SkeletonBench.cs).
// Or: Finqware.Bench.dll --metering [SECONDS] [ROUNDS] (session opens with usage metering on and off, see MeteringBench.cs).
// Or: Finqware.Bench.dll --edge [SECONDS] [ROUNDS] (the gateway against a bare YARP proxy on one backend, see EdgeBench.cs).
var root = FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!;
int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
switch (args.FirstOrDefault())
{
    case "--dashboard-soak":
        await DashboardSoak.RunAsync(Arg(1, 10), root);
        return;
    case "--system-soak":
        await SystemSoak.RunAsync(Arg(1, 10), Arg(2, 4), root);
        return;
    case "--footprint":
        await FootprintBench.RunAsync(Arg(1, 2), Arg(2, 4), args.ElementAtOrDefault(3), root);
        return;
    case "--metering":
        await MeteringBench.RunAsync(Arg(1, 5), Arg(2, 12), root);
        return;
    case "--documents":
        await DocumentsBench.RunAsync(Arg(1, 300), root);
        return;
    case "--skeleton":
        await SkeletonBench.RunAsync(Arg(1, 300), Arg(2, 3), root, async system =>
        {
            var demo = await system.DemoTenantAsync();
            var (clientId, appKey) = (demo.GetProperty("client_id").GetString()!, demo.GetProperty("client_app_key").GetString()!);
            var token = await BenchApi.TokenAsync(system.Gateway, clientId, demo.GetProperty("client_secret").GetString()!);
            await OpenSessionAsync(system.Gateway, clientId, appKey, waitForReplica: true);
            var server = new HttpClient { BaseAddress = system.Gateway.BaseAddress };
            server.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return async () =>
            {
                var session = await OpenSessionAsync(system.Gateway, clientId, appKey, waitForReplica: false);
                return await StepRoundTripAsync(system.Gateway, server, session, clientId);
            };
        });
        return;
    case "--edge":
        await EdgeBench.RunAsync(Arg(1, 10), Arg(2, 4), root);
        return;
    case "--bare-proxy":
        await EdgeBench.ProxyAsync(int.Parse(args[1], CultureInfo.InvariantCulture), args[2]);
        return;
    case "--skeleton-service":
        await SkeletonBench.ServeAsync(int.Parse(args[1], CultureInfo.InvariantCulture), args[2], args[3]);
        return;
    case "--skeleton-connector":
        await SkeletonBench.ConnectAsync(args[1], args[2]);
        return;
}

var seconds = Arg(0, 10);
var roundTrips = Arg(1, 200);
var rounds = Arg(2, 1);
const int Concurrency = 8;
const string Skill = "example_echo_sbx_#1.0";

await using (var system = await BenchSystem.StartAsync(root, dashboard: false))
{
    var host = system.Host;
    var gateway = system.Gateway;
    var demo = await system.DemoTenantAsync();
    var clientId = demo.GetProperty("client_id").GetString()!;
    var appKey = demo.GetProperty("client_app_key").GetString()!;
    var token = await BenchApi.TokenAsync(gateway, clientId, demo.GetProperty("client_secret").GetString()!);
    await OpenSessionAsync(gateway, clientId, appKey, waitForReplica: true);
    // The session opens are driven by wrk (C, like pgbench) when it is installed, so the load driver takes as little of
    // the two cores as pgbench's client does; otherwise by 8 HttpClient loops in this process.
    var wrk = Wrk.Find();
    Task<double> OpenRateAsync(int duration) => wrk is null
        ? RateAsync(duration, () => OpenSessionAsync(gateway, clientId, appKey, waitForReplica: false))
        : wrk.RateAsync(new Uri(gateway.BaseAddress!, "/sessions"), $$$"""{"client_id":"{{{clientId}}}","client_app_key":"{{{appKey}}}","skill":"{{{Skill}}}"}""", Concurrency, duration);

    // Warm-up, not measured: JIT (tiered compilation settles after some seconds of load), connection pools, prepared
    // statements, caches (pgbench needs none of it).
    await OpenRateAsync(Math.Max(seconds, 10));
    var broker = ((RabbitMqResource)host["messaging"]).ConnectionString!;
    await RoundTripsAsync(broker, gateway, token, clientId, appKey, 200);

    var configuration = BenchApi.Configuration();
    var report = new System.Text.StringBuilder($"""
        {configuration} build; {Environment.ProcessorCount} cores; load average before: {BenchApi.LoadAverage()}
        session opens driven by: {(wrk is null ? $"{Concurrency} HttpClient loops in the bench process (wrk not installed)" : $"wrk -t2 -c{Concurrency} (keep-alive, one POST /sessions per request)")}
        pgbench: -n -c {Concurrency} -j 2 -T {seconds}, script `INSERT INTO bench_rows (payload) VALUES ('x');` (table: id bigserial primary key, payload text), same server as the services

        bare MassTransit round trips measured two ways: alone, one after another ("alone"), and one before each step round trip ("between steps")

        | round | sessions opened /s ({Concurrency} clients, {seconds} s) | pgbench insert /s | ratio (≥ 0.30) | step p50 | bare p50 alone | ratio (≤ 5) | bare p50 between steps | ratio | step p99 | bare p99 alone |
        |---|---|---|---|---|---|---|---|---|---|---|

        """);
    for (var round = 1; round <= rounds; round++)
    {
        Console.WriteLine($"round {round}: measuring pgbench single-row inserts…");
        var pgbench = await PgbenchInsertRateAsync(((PostgresResource)host["postgres"]).ServerConnectionString!, seconds);
        Console.WriteLine($"round {round}: measuring sessions opened per second…");
        var sessionsPerSecond = await OpenRateAsync(seconds);
        Console.WriteLine($"round {round}: measuring the bare MassTransit round trip…");
        var bare = await BareRoundTripsAsync(broker, roundTrips);
        Console.WriteLine($"round {round}: measuring the step round trip, each after a bare MassTransit round trip…");
        var (steps, between) = await RoundTripsAsync(broker, gateway, token, clientId, appKey, roundTrips);
        var row = $"| {round} | {sessionsPerSecond:0} | {pgbench:0} | {sessionsPerSecond / pgbench:0.00} × | {P(steps, 50):0.0} ms | {P(bare, 50):0.00} ms | {P(steps, 50) / P(bare, 50):0.0} × | {P(between, 50):0.00} ms | {P(steps, 50) / P(between, 50):0.0} × | {P(steps, 99):0.0} ms | {P(bare, 99):0.00} ms |";
        Console.WriteLine(row);
        report.AppendLine(row);
    }

    report.AppendLine().AppendLine($"load average after: {BenchApi.LoadAverage()}");
    Console.WriteLine();
    Console.WriteLine(report);
    await File.WriteAllTextAsync(Path.Combine(root, "bench", "last-run.md"), report.ToString());
}

static double P(List<double> samples, int percentile) => BenchApi.Percentile(samples, percentile);

static Task<JsonElement> OpenSessionAsync(HttpClient gateway, string clientId, string appKey, bool waitForReplica) =>
    BenchApi.OpenSessionAsync(gateway, clientId, appKey, Skill, waitForReplica);

static async Task<double> RateAsync(int seconds, Func<Task> operation)
{
    var done = 0;
    var watch = Stopwatch.StartNew();
    var until = TimeSpan.FromSeconds(seconds);
    await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
    {
        while (watch.Elapsed < until)
        {
            await operation();
            Interlocked.Increment(ref done);
        }
    }));
    return done / watch.Elapsed.TotalSeconds;
}

static async Task<double> PgbenchInsertRateAsync(string serverConnectionString, int seconds)
{
    var server = new NpgsqlConnectionStringBuilder(serverConnectionString);
    await LocalDatabase(serverConnectionString);
    var script = Path.GetTempFileName();
    await File.WriteAllTextAsync(script, "INSERT INTO bench_rows (payload) VALUES ('x');\n");
    var info = new ProcessStartInfo("pgbench") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var argument in new[] { "-n", "-f", script, "-c", Concurrency.ToString(CultureInfo.InvariantCulture), "-j", "2", "-T", seconds.ToString(CultureInfo.InvariantCulture), "-h", server.Host!, "-p", server.Port.ToString(CultureInfo.InvariantCulture), "-U", server.Username!, "benchdb" })
    {
        info.ArgumentList.Add(argument);
    }

    using var process = Process.Start(info)!;
    var output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    File.Delete(script);
    var line = output.Split('\n').First(l => l.StartsWith("tps = ", StringComparison.Ordinal));
    return double.Parse(line.Split(' ')[2], CultureInfo.InvariantCulture);

    static async Task LocalDatabase(string serverConnectionString)
    {
        await Finqware.AppHost.Infrastructure.LocalPostgres.CreateDatabaseAsync(serverConnectionString, "benchdb", CancellationToken.None);
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = "benchdb" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, payload text NOT NULL)", connection);
        await command.ExecuteNonQueryAsync();
    }
}

// A bare MassTransit request/response to an echo endpoint in this process, on the system's broker, one after another.
static async Task<List<double>> BareRoundTripsAsync(string broker, int count)
{
    await using var bare = await BareRoundTrip.StartAsync(broker);
    var samples = new List<double>();
    for (var i = 0; i < count + 20; i++)
    {
        var elapsed = await bare.TimeAsync(i);
        if (i >= 20)
        {
            samples.Add(elapsed);
        }
    }

    return samples;
}

// Step round trips, each right after a bare one, so both see the same machine: a bare round trip one after another
// keeps the broker's and the client's threads awake, while the hops of a step round trip, and a bare one between steps,
// wake them from idle. On a shared virtual machine the same round trip measured a minute apart also differs by up to a
// quarter.
static async Task<(List<double> Steps, List<double> Bare)> RoundTripsAsync(string broker, HttpClient gateway, string token, string clientId, string appKey, int count)
{
    const int WarmUp = 20;
    await using var bareRoundTrip = await BareRoundTrip.StartAsync(broker);
    {
        using var server = new HttpClient { BaseAddress = gateway.BaseAddress };
        server.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var (steps, bare) = (new List<double>(), new List<double>());
        for (var i = 0; i < count + WarmUp; i++)
        {
            // The session is opened first: it also lets the previous step's tail (the connector storing its outcome)
            // finish before either round trip is timed.
            var session = await OpenSessionAsync(gateway, clientId, appKey, waitForReplica: false);
            var bareMs = await bareRoundTrip.TimeAsync(i);
            var stepMs = await StepRoundTripAsync(gateway, server, session, clientId);
            if (i >= WarmUp)
            {
                bare.Add(bareMs);
                steps.Add(stepMs);
            }
        }

        return (steps, bare);
    }
}

// One step round trip through the gateway: submit the first step of a new session, then long-poll it until COMPLETED.
static async Task<double> StepRoundTripAsync(HttpClient gateway, HttpClient server, JsonElement session, string clientId)
{
    var sessionId = session.GetProperty("session_id").GetString();
    var watch = Stopwatch.StartNew();
    var submitted = await gateway.PostAsJsonAsync($"/sessions/{sessionId}/steps", new Dictionary<string, object>
    {
        ["client_id"] = clientId,
        ["nonce"] = session.GetProperty("nonce").GetString()!,
        ["skill"] = Skill,
        ["step"] = "greeting",
        ["data"] = new Dictionary<string, string> { ["name"] = "Ana" },
    });
    var stepId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("step_id").GetString();
    var step = await server.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}/steps/{stepId}?wait=10");
    var elapsed = watch.Elapsed.TotalMilliseconds;
    if (step.GetProperty("status").GetString() != "COMPLETED")
    {
        throw new InvalidOperationException($"The step did not complete: {step}");
    }

    return elapsed;
}
