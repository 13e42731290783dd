using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Finqware.AppHost;
using Finqware.AppHost.Hosting;
using Finqware.Testing;

namespace Finqware.ConnectorKit.Tests;

/// <summary>
/// What a skill provider does in its own repository (docs/connectors.md, "Build a connector in your own repository"):
/// <c>dotnet new finqware-connector</c>, <c>dotnet build</c>, <c>dotnet test</c>, with only the packed packages as
/// Finqware's feed; then, against a running Finqware where the operator registered it (<c>--connector</c>), the
/// connector started with the settings the AppHost wrote appears AVAILABLE and completes a session through the gateway,
/// by the guide's own curl block. The new connector's tests run against real RabbitMQ and PostgreSQL: this assembly's,
/// handed over through FINQWARE_TEST_* as a provider's CI would.
/// </summary>
public sealed partial class TemplateTests(KitFeed kit, PostgresServerFixture postgres, RabbitMqFixture rabbit)
{
    private const string SkillId = "acme_signup_sbx_#1.0";

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_connector_made_from_the_template_builds_passes_its_tests_and_serves_a_session_through_the_gateway()
    {
        using var connector = await NewConnector.CreateAsync(kit, kit.Feed, kit.Version);

        Assert.True(File.Exists(Path.Combine(connector.ProjectFolder, "AcmeBank", "Program.cs")));
        Assert.Contains(SkillId, await File.ReadAllTextAsync(Path.Combine(connector.ProjectFolder, "AcmeBank", "Skill.cs"), Cancel));
        Assert.False(Path.GetFullPath(connector.Folder).StartsWith(kit.Repository, StringComparison.Ordinal), "The connector is made outside the repository.");

        var build = await connector.DotnetAsync(["build", "-nologo", "-v", "quiet", "-clp:ErrorsOnly"]);
        Assert.True(build.ExitCode == 0, build.Output);
        Assert.True(Directory.Exists(Path.Combine(connector.ProjectFolder, ".packages", "finqware.skillconnectors.sdk", kit.Version)), "The SDK came from the packed feed.");

        var test = await connector.DotnetAsync(["test", "--no-build"], new Dictionary<string, string>
        {
            [TestInfrastructure.PostgresVariable] = postgres.ConnectionString,
            [TestInfrastructure.RabbitMqVariable] = rabbit.ConnectionString,
            [TestInfrastructure.RabbitMqManagementVariable] = rabbit.ManagementUri.ToString().TrimEnd('/'),
        });
        Assert.True(test.ExitCode == 0, test.Output);
        Assert.Matches(@"succeeded:\s*3", test.Output);

        // The operator: a Finqware with the connector registered (its broker user, its provider, its database). Only the
        // gateway, the services and the example connector: the demo tenant is made from the sandbox skills at start.
        var registration = ProviderConnectors.Parse($"acme-bank:acme:{SkillId}");
        await using var finqware = await SystemFixture.StartAnotherAsync(["gateway", "example-connector"], [registration]);
        var settings = ProviderConnectors.SettingsFile(finqware.Host.Options.StateDirectory, registration);
        Assert.True(File.Exists(settings), $"no settings written for the connector at {settings}");

        // The provider: the connector started with those settings, as `. acme-bank.env && dotnet run` does.
        var output = new ConcurrentQueue<string>();
        var process = ChildProcess.Start(
            "bash",
            ["-c", $". '{settings}' && exec dotnet exec AcmeBank/bin/Debug/net10.0/AcmeBank.dll"],
            connector.ProjectFolder,
            new Dictionary<string, string?>(),
            (line, _) => output.Enqueue(line));
        try
        {
            // Generous: starting a process on two shared cores can take a minute; this is no timing test.
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (await StatusAsync(finqware.Gateway) is var status && status != "AVAILABLE")
            {
                Assert.True(DateTime.UtcNow < deadline && !process.HasExited, $"{SkillId} did not become AVAILABLE ({status}); the connector wrote:\n{string.Join('\n', output)}");
                await Task.Delay(250, Cancel);
            }

            // The tenant's side, exactly as the guide writes it.
            var guide = await File.ReadAllTextAsync(Path.Combine(kit.Repository, "docs", "connectors.md"), Cancel);
            var session = Assert.Single(BashBlock().Matches(guide).Select(m => m.Groups[1].Value), b => b.Contains("$FINQWARE/sessions", StringComparison.Ordinal));
            var run = await KitFeed.RunAsync("bash", ["-euo", "pipefail", "-c", session], connector.Folder, new Dictionary<string, string>
            {
                ["FINQWARE"] = finqware.Host.GatewayUrl!,
                ["DEMO"] = Path.Combine(finqware.Host.Options.StateDirectory, SandboxDemo.FileName),
            });
            Assert.True(run.ExitCode == 0, $"{run.Output}\nthe connector wrote:\n{string.Join('\n', output)}");
            Assert.Equal(["AVAILABLE", "true", "COMPLETED", "COMPLETED", "COMPLETED"], run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            await process.StopAsync(TimeSpan.FromSeconds(20));
        }
    }

    /// <summary>The skill's status in the catalog, through the gateway; 404 until its first announcement.</summary>
    private async Task<string> StatusAsync(HttpClient gateway)
    {
        using var response = await gateway.GetAsync(new Uri($"/skills/{Uri.EscapeDataString(SkillId)}", UriKind.Relative), Cancel);
        if (!response.IsSuccessStatusCode)
        {
            return $"{(int)response.StatusCode}";
        }

        using var skill = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        return skill.RootElement.GetProperty("status").GetString()!;
    }

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();
}
