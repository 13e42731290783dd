using System.IO.Compression;
using System.Xml.Linq;

namespace Finqware.ConnectorKit.Tests;

/// <summary>What scripts/pack.sh puts into the feed: every package a provider needs, each self-contained.</summary>
public sealed class PackagesTests(KitFeed kit)
{
    private static readonly string[] Libraries =
    [
        "Finqware.Contracts", "Finqware.ServiceDefaults", "Finqware.ServiceDefaults.Messaging", "Finqware.ServiceDefaults.Npgsql",
        "Finqware.SkillConnectors.Sdk", "Finqware.SkillConnectors.TestKit", "Finqware.LocalServers",
    ];

    /// <summary>Packages the baseline did not have yet (the test kit compiled their code in then).</summary>
    private static readonly string[] NewSinceBaseline = ["Finqware.LocalServers"];

    [Fact]
    public void The_feed_holds_the_libraries_and_the_template_at_the_kit_version()
    {
        var packed = Directory.GetFiles(kit.Feed, "*.nupkg").Select(Path.GetFileName).Order().ToList();

        Assert.Equal([.. Libraries.Append("Finqware.Templates").Select(id => $"{id}.{kit.Version}.nupkg").Order()], packed);
    }

    [Fact]
    public void Each_library_carries_its_readme_and_xml_docs_and_depends_only_on_the_kit_and_registry_packages()
    {
        var registry = XDocument.Load(Path.Combine(kit.Repository, "Directory.Packages.props"))
            .Descendants("PackageVersion").Select(p => (string)p.Attribute("Include")!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var id in Libraries)
        {
            using var package = ZipFile.OpenRead(Path.Combine(kit.Feed, $"{id}.{kit.Version}.nupkg"));
            var entries = package.Entries.Select(e => e.FullName).ToList();
            var nuspec = XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            XNamespace ns = nuspec.Root!.Name.Namespace;
            var metadata = nuspec.Root.Element(ns + "metadata")!;

            Assert.Contains("README.md", entries);
            Assert.Equal("README.md", (string?)metadata.Element(ns + "readme"));
            var assembly = Assert.Single(entries, e => e.StartsWith("lib/net10.0/", StringComparison.Ordinal) && e.EndsWith(".dll", StringComparison.Ordinal));
            Assert.Contains(Path.ChangeExtension(assembly, ".xml"), entries);
            Assert.Equal(kit.Version, (string?)metadata.Element(ns + "version"));
            Assert.False(string.IsNullOrWhiteSpace((string?)metadata.Element(ns + "description")));
            foreach (var dependency in metadata.Descendants(ns + "dependency"))
            {
                var dependencyId = (string)dependency.Attribute("id")!;
                if (dependencyId.StartsWith("Finqware.", StringComparison.Ordinal))
                {
                    // Another package of the kit, at the same version: never a project of this repository.
                    Assert.Contains(dependencyId, Libraries);
                    Assert.Equal(kit.Version, (string?)dependency.Attribute("version"));
                }
                else
                {
                    Assert.True(registry.Contains(dependencyId), $"{id} depends on {dependencyId}, which is not a registry package of Directory.Packages.props.");
                }
            }
        }
    }

    [Fact]
    public void The_baseline_holds_the_previous_version_of_every_package()
    {
        var baseline = Directory.GetFiles(kit.BaselineFeed, "*.nupkg").Select(Path.GetFileName).Order().ToList();

        Assert.Equal([.. Libraries.Except(NewSinceBaseline).Append("Finqware.Templates").Select(id => $"{id}.{kit.BaselineVersion}.nupkg").Order()], baseline);
        Assert.True(new Version(kit.BaselineVersion) < new Version(kit.Version), "The baseline is the version before this one.");
    }
}
