using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Finqware.AppHost.Hosting;
using Finqware.AppHost.Infrastructure;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Finqware.Bench;

/// <summary>
/// The step round trip's floor on this machine (<c>--skeleton</c>): the same hops as a step, with nothing else. A client
/// posts a step and long-polls it through a gateway (a second instance of the real Gateway); the "service" (a process
/// of its own) inserts the step's row in one statement and sends the step to the "connector" (another process), which
/// claims the step in its own transaction, publishes the outcome and commits; the service updates the row in one
/// statement and answers the long-poll. No schema, nonce, EF Core, outbox, telemetry, inbox or webhook: whatever the
/// real step round trip costs above this is the application's; what this costs is the architecture's on this machine.
/// Each round trip is timed beside a bare MassTransit round trip and a real step round trip, one after another.
/// </summary>
internal static class SkeletonBench
{
    private const string ConnectorQueue = "skeleton-connector";

    public static async Task RunAsync(int roundTrips, int rounds, string root, Func<BenchSystem, Task<Func<Task<double>>>> realStep)
    {
        await using var system = await BenchSystem.StartAsync(root, dashboard: false);
        var broker = ((RabbitMqResource)system.Host["messaging"]).ConnectionString!;
        var server = ((PostgresResource)system.Host["postgres"]).ServerConnectionString!;
        await LocalPostgres.CreateDatabaseAsync(server, "skeletondb", CancellationToken.None);
        var database = new NpgsqlConnectionStringBuilder(server) { Database = "skeletondb" }.ConnectionString;
        await using (var schema = NpgsqlDataSource.Create(database))
        {
            await using var create = schema.CreateCommand("""
                CREATE TABLE IF NOT EXISTS skeleton_steps (step_id uuid PRIMARY KEY, session_id uuid NOT NULL, data jsonb NOT NULL, status text NOT NULL, result jsonb);
                CREATE TABLE IF NOT EXISTS skeleton_claims (step_id uuid PRIMARY KEY, outcome jsonb);
                """);
            await create.ExecuteNonQueryAsync();
        }

        var servicePort = Ports.Free();
        var gatewayPort = Ports.Free();
        var self = typeof(SkeletonBench).Assembly.Location;
        var configuration = self.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        using var service = Start("dotnet", [self, "--skeleton-service", servicePort.ToString(CultureInfo.InvariantCulture), broker, database], []);
        using var connector = Start("dotnet", [self, "--skeleton-connector", broker, database], []);
        // The gateway's budgets lifted, as the system's are (BenchSystem): the skeleton's steps name no tenant, and at the
        // anonymous budget most of them would be 429s.
        using var gatewayProcess = Start(
            "dotnet",
            [Path.Combine(root, "Gateway", "bin", configuration, "net10.0", "Gateway.dll")],
            new Dictionary<string, string>(BenchSystem.LiftedBudgets)
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{gatewayPort}",
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                [ResourceEnvironment.ReverseProxyDestination("sessions")] = $"http://127.0.0.1:{servicePort}",
                [ResourceEnvironment.ServiceEndpoint("sessions")] = $"http://127.0.0.1:{servicePort}",
                ["Logging__LogLevel__Default"] = "Warning",
            });
        var skeleton = new[] { gatewayProcess, connector, service };
        using var onInterrupt = Interruption.OnInterrupt(() => StopAsync(skeleton));
        try
        {
            using var gateway = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}") };
            using var direct = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{servicePort}") };
            await WaitUntilUpAsync(gateway);
            await using var bare = await BareRoundTrip.StartAsync(broker);
            var real = await realStep(system);
            Console.WriteLine("warming up (200 of each)…");
            await MeasureAsync(bare, gateway, direct, real, 200);
            var report = new System.Text.StringBuilder("""
                bare: a MassTransit request/response, "alone" (one after another) and "between" (one before each of the others)
                skeleton: the step's hops with nothing else, through a second gateway or straight to its service; real: a step of example_echo_sbx_#1.0

                | round | bare p50 alone | bare p50 between | skeleton p50 | skeleton / bare alone | skeleton / bare between | skeleton p50, no gateway | real p50 | real / bare alone | real / bare between | real / skeleton | skeleton p99 | real p99 |
                |---|---|---|---|---|---|---|---|---|---|---|---|---|

                """);
            Console.WriteLine();
            Console.Write(report);
            for (var round = 1; round <= rounds; round++)
            {
                var alone = new List<double>();
                for (var i = 0; i < roundTrips; i++)
                {
                    alone.Add(await bare.TimeAsync(i));
                }

                var (b, s, d, r) = await MeasureAsync(bare, gateway, direct, real, roundTrips);
                double P(List<double> samples, int percentile) => BenchApi.Percentile(samples, percentile);
                var row = string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {round} | {P(alone, 50):0.00} ms | {P(b, 50):0.00} ms | {P(s, 50):0.00} ms | {P(s, 50) / P(alone, 50):0.0} × | {P(s, 50) / P(b, 50):0.0} × | {P(d, 50):0.00} ms | {P(r, 50):0.00} ms | {P(r, 50) / P(alone, 50):0.0} × | {P(r, 50) / P(b, 50):0.0} × | {P(r, 50) / P(s, 50):0.0} × | {P(s, 99):0.0} ms | {P(r, 99):0.0} ms |");
                Console.WriteLine(row);
                report.AppendLine(row);
            }

            report.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores; load average after: {BenchApi.LoadAverage()}");
            await File.WriteAllTextAsync(Path.Combine(root, "bench", "last-skeleton.md"), report.ToString());
        }
        finally
        {
            await StopAsync(skeleton);
        }
    }

    internal static async Task StopAsync(Process[] processes)
    {
        foreach (var process in processes)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static async Task<(List<double> Bare, List<double> Skeleton, List<double> Direct, List<double> Real)> MeasureAsync(
        BareRoundTrip bare, HttpClient gateway, HttpClient direct, Func<Task<double>> real, int count)
    {
        var (b, s, d, r) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (var i = 0; i < count; i++)
        {
            b.Add(await bare.TimeAsync(i));
            s.Add(await SkeletonStepAsync(gateway));
            d.Add(await SkeletonStepAsync(direct));
            r.Add(await real());
        }

        return (b, s, d, r);
    }

    private static async Task<double> SkeletonStepAsync(HttpClient gateway)
    {
        var sessionId = Guid.NewGuid();
        var watch = Stopwatch.StartNew();
        using var submitted = await gateway.PostAsJsonAsync($"/sessions/{sessionId}/steps", new { step = "greeting", data = new { name = "Ana" } });
        if (!submitted.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {submitted.RequestMessage?.RequestUri} answered {(int)submitted.StatusCode}: {await submitted.Content.ReadAsStringAsync()}");
        }

        var stepId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("step_id").GetString();
        var step = await gateway.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}/steps/{stepId}?wait=10");
        var elapsed = watch.Elapsed.TotalMilliseconds;
        return step.GetProperty("status").GetString() == "COMPLETED" ? elapsed : throw new InvalidOperationException($"The skeleton step did not complete: {step}");
    }

    private static async Task WaitUntilUpAsync(HttpClient gateway)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await SkeletonStepAsync(gateway);
                return;
            }
            catch (Exception ex) when (DateTime.UtcNow < deadline && ex is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                await Task.Delay(500);
            }
        }
    }

    internal static Process Start(string file, string[] arguments, Dictionary<string, string> environment)
    {
        // The working directory is the content root, where appsettings.json (the gateway's routes) is read from.
        var info = new ProcessStartInfo(file) { UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(arguments[0])! };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info)!;
    }

    /// <summary>
    /// The skeleton's service: <c>POST /sessions/{id}/steps</c>, <c>GET /sessions/{id}/steps/{step}?wait=N</c>, and the
    /// outcome's consumer; also <c>GET /sessions/{id}</c>, a constant answer the edge bench proxies (EdgeBench).
    /// </summary>
    public static async Task ServeAsync(int port, string broker, string database)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var waiting = new ConcurrentDictionary<Guid, TaskCompletionSource<JsonElement>>();
        await using var dataSource = NpgsqlDataSource.Create(database);
        builder.Services.AddMassTransit(x =>
        {
            x.AddHandler<SkeletonOutcome>(async context =>
            {
                var outcome = context.Message;
                await using var update = dataSource.CreateCommand("UPDATE skeleton_steps SET status = 'COMPLETED', result = $2 WHERE step_id = $1 AND status = 'SUBMITTED'");
                update.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = outcome.StepId });
                update.Parameters.Add(new NpgsqlParameter<JsonElement> { TypedValue = outcome.Greeting, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
                await update.ExecuteNonQueryAsync();
                if (waiting.TryRemove(outcome.StepId, out var waiter))
                {
                    waiter.TrySetResult(outcome.Greeting);
                }
            }).Endpoint(e => e.Name = "skeleton-service");
            UsingBroker(x, broker);
        });
        var app = builder.Build();
        app.MapPost("/sessions/{sessionId:guid}/steps", async (Guid sessionId, JsonElement body, ISendEndpointProvider send) =>
        {
            var stepId = Guid.CreateVersion7();
            waiting[stepId] = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (var insert = dataSource.CreateCommand("INSERT INTO skeleton_steps (step_id, session_id, data, status) VALUES ($1, $2, $3, 'SUBMITTED')"))
            {
                insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = stepId });
                insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = sessionId });
                insert.Parameters.Add(new NpgsqlParameter<JsonElement> { TypedValue = body.GetProperty("data"), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
                await insert.ExecuteNonQueryAsync();
            }

            var endpoint = await send.GetSendEndpoint(new Uri($"queue:{ConnectorQueue}"));
            await endpoint.Send(new SkeletonStep { StepId = stepId, Data = body.GetProperty("data") });
            return Results.Json(new { status = "STEP_ACCEPTED", step_id = stepId }, statusCode: StatusCodes.Status202Accepted);
        });
        app.MapGet("/sessions/{sessionId:guid}", (Guid sessionId) => Results.Json(new { session_id = sessionId, status = "IN_PROGRESS", next_step = "sca" }));
        app.MapGet("/sessions/{sessionId:guid}/steps/{stepId:guid}", async (Guid sessionId, Guid stepId, int wait) =>
        {
            // As SessionService's long-poll: answered from the outcome it was woken by, else from a read.
            if (waiting.TryGetValue(stepId, out var waiter))
            {
                await ((Task)waiter.Task.WaitAsync(TimeSpan.FromSeconds(wait))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (waiter.Task.IsCompletedSuccessfully)
                {
                    return Results.Json(new { step_id = stepId, session_id = sessionId, status = "COMPLETED", result = await waiter.Task });
                }
            }

            await using var read = dataSource.CreateCommand("SELECT status, result FROM skeleton_steps WHERE step_id = $1");
            read.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = stepId });
            await using var reader = await read.ExecuteReaderAsync();
            return await reader.ReadAsync()
                ? Results.Json(new { step_id = stepId, session_id = sessionId, status = reader.GetString(0) })
                : Results.NotFound();
        });
        await app.RunAsync();
    }

    /// <summary>The skeleton's connector: claims each step in its own transaction, publishes the outcome, commits.</summary>
    public static async Task ConnectAsync(string broker, string database)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var dataSource = NpgsqlDataSource.Create(database);
        builder.Services.AddMassTransit(x =>
        {
            x.AddHandler<SkeletonStep>(async context =>
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                await using var claim = new NpgsqlCommand("INSERT INTO skeleton_claims (step_id) VALUES ($1) ON CONFLICT DO NOTHING", connection, transaction);
                claim.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = context.Message.StepId });
                if (await claim.ExecuteNonQueryAsync() == 1)
                {
                    var result = JsonSerializer.SerializeToElement(new { greeting = $"Hello, {context.Message.Data.GetProperty("name").GetString()}!" });
                    await context.Publish(new SkeletonOutcome { StepId = context.Message.StepId, Greeting = result });
                    await using var save = new NpgsqlCommand("UPDATE skeleton_claims SET outcome = $2 WHERE step_id = $1", connection, transaction);
                    save.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = context.Message.StepId });
                    save.Parameters.Add(new NpgsqlParameter<JsonElement> { TypedValue = result, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
                    await save.ExecuteNonQueryAsync();
                }

                await transaction.CommitAsync();
            }).Endpoint(e => e.Name = ConnectorQueue);
            UsingBroker(x, broker);
        });
        await builder.Build().RunAsync();
    }

    private static void UsingBroker(IBusRegistrationConfigurator x, string broker) => x.UsingRabbitMq((context, rabbit) =>
    {
        var address = BrokerAddress.Parse(broker);
        rabbit.Host(address);
        rabbit.ConfigureEndpoints(context);
    });
}
