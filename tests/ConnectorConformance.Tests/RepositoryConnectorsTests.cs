using Finqware.SkillConnectors.ExampleConnector;
using Finqware.SkillConnectors.SandboxBank;
using Finqware.SkillConnectors.SandboxMarketplace;
using Finqware.SkillConnectors.TestKit;
using Finqware.Testing;

namespace Finqware.ConnectorConformance.Tests;

/// <summary>This repository's connectors pass the conformance suite skill providers run in their CI.</summary>
public sealed class RepositoryConnectorsTests(PostgresServerFixture postgres, RabbitMqFixture rabbit)
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_example_connector_follows_the_protocol()
    {
        var report = await SkillConnectors.TestKit.ConnectorConformance.CheckAsync(
            postgres, rabbit, c => c.AddSkill(EchoSkill.Manifest).HandleStep<GreetingHandler>("greeting"), cancellationToken: Cancel);

        report.AssertConformant();
        // Its skill has data products but no connection handler: the SDK refuses refreshes for it.
        Assert.Contains("REFRESH_NOT_SUPPORTED", Assert.Single(report.Checks, c => c.Name.StartsWith("refresh ", StringComparison.Ordinal)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sandbox_bank_follows_the_protocol()
    {
        var report = await SkillConnectors.TestKit.ConnectorConformance.CheckAsync(
            postgres,
            rabbit,
            c => c.AddSandboxBank(),
            new ConnectorTestOptions { ConfigureApp = app => app.MapAuthorisationPage() },
            Cancel);

        report.AssertConformant();
        // Both skills' steps ran until one waited for the user at the bank.
        Assert.Contains(report.Checks, c => c.Name == $"step {Skills.AispManifest.SkillId}/credentials");
        Assert.Contains(report.Checks, c => c.Name == $"step {Skills.PispManifest.SkillId}/payment_form");
    }

    [Fact]
    public async Task The_sandbox_marketplace_follows_the_protocol()
    {
        var report = await SkillConnectors.TestKit.ConnectorConformance.CheckAsync(postgres, rabbit, c => c.AddSandboxMarketplace(), cancellationToken: Cancel);

        report.AssertConformant();
        Assert.Contains(report.Checks, c => c.Name == $"step {DepositSkill.Manifest.SkillId}/product_form" && c.Detail.StartsWith("COMPLETED", StringComparison.Ordinal));
    }
}
