using Finqware.Testing;

namespace Finqware.ConnectorKit.Tests;

/// <summary>
/// What a skill provider does in its own repository: <c>dotnet new finqware-connector</c>, <c>dotnet build</c>,
/// <c>dotnet test</c>, with only the packed packages as Finqware's feed. The new connector's tests run against real
/// RabbitMQ and PostgreSQL: this assembly's, handed over through FINQWARE_TEST_* as a provider's CI would.
/// </summary>
public sealed class TemplateTests(KitFeed kit, PostgresServerFixture postgres, RabbitMqFixture rabbit)
{
    [Fact]
    public async Task A_connector_made_from_the_template_builds_and_passes_its_tests_on_the_packages_alone()
    {
        using var connector = await NewConnector.CreateAsync(kit, kit.Feed, kit.Version);

        Assert.True(File.Exists(Path.Combine(connector.ProjectFolder, "AcmeBank", "Program.cs")));
        Assert.Contains("acme_signup_sbx_#1.0", await File.ReadAllTextAsync(Path.Combine(connector.ProjectFolder, "AcmeBank", "Skill.cs"), TestContext.Current.CancellationToken));
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
    }
}
