using System.Xml.Linq;

namespace Finqware.Deploy.Tests;

/// <summary>
/// Every deployable of the solution (a project with an executable output, except the AppHost, tests, benchmarks and
/// SDKs) has a Deployment in every overlay, running the image `dotnet publish -t:PublishContainer` builds of it, and
/// nothing is deployed that the solution does not build. A new connector or service fails here until deploy/README.md's
/// "Adding a deployable" is done.
/// </summary>
public sealed class DeployablesTests
{
    public static TheoryData<string> Overlays => new(Repository.Overlays);

    [Fact]
    public void The_solution_has_the_deployables_the_brief_names()
    {
        var names = Deployable.Every.Select(d => d.Name).ToList();

        Assert.Superset(new HashSet<string> { "gateway", "catalog", "tenants", "sessions", "example-connector", "sandbox-bank", "sandbox-marketplace" }, names.ToHashSet());
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(Deployable.Every, d => Assert.StartsWith("finqware/", d.ContainerRepository, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_deployable_has_a_deployment_running_its_image_and_every_deployment_is_a_deployable(string overlay)
    {
        var manifests = Manifests.Overlay(overlay);

        foreach (var deployable in Deployable.Every)
        {
            var deployment = manifests.Deployments.SingleOrDefault(d => d.Metadata.Name == deployable.Name);
            Assert.True(deployment is not null, $"{overlay}: {deployable.Project} has no Deployment named {deployable.Name} (deploy/README.md, \"Adding a deployable\")");
            Assert.Same(deployable, Deployable.ForImage(Assert.Single(deployment.Spec.Template.Spec.Containers).Image));
        }

        Assert.All(manifests.Deployments, d => Deployable.ForImage(d.Spec.Template.Spec.Containers[0].Image));
        Assert.Equal(Deployable.Every.Count, manifests.Deployments.Count());
    }

    [Fact]
    public void These_checks_build_every_deployable()
    {
        var project = XDocument.Load(Path.Combine(Repository.Root, "tests", "Deploy.Tests", "Deploy.Tests.csproj"));
        var referenced = project.Descendants("ProjectReference").Select(r => Path.GetFullPath(Path.Combine(Repository.Root, "tests", "Deploy.Tests", (string)r.Attribute("Include")!))).ToHashSet();

        foreach (var deployable in Deployable.Every)
        {
            Assert.True(referenced.Contains(Path.Combine(Repository.Root, deployable.Project)),
                $"add <ProjectReference Include=\"../../{deployable.Project.Replace('\\', '/')}\" /> to tests/Deploy.Tests/Deploy.Tests.csproj, so that its settings are checked");
        }
    }
}
