using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finqware.AppHost.Hosting;
using Finqware.AppHost.Infrastructure;
using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using Finqware.Testing;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Finqware.ConnectorKit.Tests;

/// <summary>
/// A connector built on the previous published packages (packaging/baseline, made from that version's template, with
/// that feed alone) runs against this commit's services: the current catalog accepts its announcement and lists its
/// skill AVAILABLE, and a step sent with the current contracts (as SessionService sends it) is answered with an outcome
/// the current contracts read. A change that an older connector cannot follow fails here.
/// </summary>
public sealed class VersionSkewTests(KitFeed kit, PostgresServerFixture postgres, RabbitMqFixture rabbit)
{
    private const string SkillId = "acme_signup_sbx_#1.0";

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_connector_built_on_the_previous_packages_works_with_the_current_services()
    {
        using var connector = await NewConnector.CreateAsync(kit, kit.BaselineFeed, kit.BaselineVersion);
        var build = await connector.DotnetAsync(["build", "AcmeBank", "-nologo", "-v", "quiet", "-clp:ErrorsOnly"]);
        Assert.True(build.ExitCode == 0, build.Output);
        Assert.True(Directory.Exists(Path.Combine(connector.ProjectFolder, ".packages", "finqware.skillconnectors.sdk", kit.BaselineVersion)), "Built on the baseline SDK.");

        // The current catalog, with the connector's own broker user registered for its provider (as an operator does).
        var broker = await rabbit.CreateVirtualHostAsync("skew");
        var user = new ConnectorBrokerUser($"acme-connector-{Guid.NewGuid():N}"[..24], "acme", [SkillId]);
        var connectorBroker = await rabbit.CreateConnectorUserAsync(broker, user);
        var catalogDb = await postgres.CreateDatabaseAsync("catalog");
        await using var catalog = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:catalogdb", catalogDb);
            web.UseSetting("ConnectionStrings:messaging", broker);
            web.UseSetting("Catalog:Providers:acme:0", user.Name);
            web.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        });
        using var client = catalog.CreateClient();

        // SessionService's side of a step, with the current contracts.
        var outcomes = new ConcurrentQueue<StepProcessed>();
        var sessions = Bus.Factory.CreateUsingRabbitMq(r =>
        {
            r.Host(BrokerAddress.Parse(broker));
            r.ReceiveEndpoint($"skew-outcomes-{Guid.NewGuid():N}", endpoint =>
            {
                endpoint.AutoDelete = true;
                endpoint.Handler<StepProcessed>(c =>
                {
                    outcomes.Enqueue(c.Message);
                    return Task.CompletedTask;
                });
            });
        });
        await sessions.StartAsync(Cancel);
        var output = new ConcurrentQueue<string>();
        var process = ChildProcess.Start(
            "dotnet",
            ["exec", Path.Combine(connector.ProjectFolder, "AcmeBank", "bin", "Debug", "net10.0", "AcmeBank.dll")],
            Path.Combine(connector.ProjectFolder, "AcmeBank"),
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["ConnectionStrings__messaging"] = connectorBroker,
                ["ConnectionStrings__connectordb"] = await postgres.CreateDatabaseAsync("skew"),
                ["Connector__HeartbeatInterval"] = "00:00:01",
            },
            (line, _) => output.Enqueue(line));
        try
        {
            await EventuallyAsync(async () =>
            {
                using var response = await client.GetAsync($"/skills/{Uri.EscapeDataString(SkillId)}", Cancel);
                return response.StatusCode == HttpStatusCode.OK
                    && (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("status").GetString() == "AVAILABLE";
            }, () => $"the current catalog did not list {SkillId} AVAILABLE; the connector wrote:\n{string.Join('\n', output)}");

            var step = new ProcessStep
            {
                SessionId = Guid.NewGuid(),
                StepId = Guid.NewGuid(),
                ClientId = "fqc_skew",
                Skill = SkillId,
                Step = "details",
                StepNumber = 1,
                Data = JsonSerializer.SerializeToElement(new { name = "Ana", email = "ana@example.com" }),
                Attachments = [],
                PreviousResults = new Dictionary<string, JsonElement>(),
            };
            var queue = await sessions.GetSendEndpoint(new Uri($"queue:{SkillQueues.For(SkillId)}"));
            await queue.Send(step, Cancel);
            await EventuallyAsync(() => Task.FromResult(outcomes.Any(o => o.StepId == step.StepId)), () => $"no outcome for the step; the connector wrote:\n{string.Join('\n', output)}");

            var outcome = outcomes.First(o => o.StepId == step.StepId);
            Assert.Equal(StepOutcomes.Completed, outcome.Outcome);
            Assert.Equal($"app-{step.SessionId:N}", outcome.Result!.Value.GetProperty("application_id").GetString());
        }
        finally
        {
            await process.StopAsync(TimeSpan.FromSeconds(20));
            await sessions.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Generous: building and starting a process on two shared cores can take a minute; this is no timing test.</summary>
    private async Task EventuallyAsync(Func<Task<bool>> condition, Func<string> failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure());
            await Task.Delay(200, Cancel);
        }
    }
}
