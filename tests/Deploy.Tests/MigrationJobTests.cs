using System.Reflection;
using k8s.Models;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Finqware.Deploy.Tests;

/// <summary>
/// The migration job (deploy/kubernetes/base/migrate.yaml) migrates every service database, and each of its containers
/// does what it says: the service's own build, run as the job runs it (Database__MigrateOnly=true), applies every
/// migration to a fresh PostgreSQL database and exits 0 without serving.
/// </summary>
public sealed class MigrationJobTests(PostgresServerFixture postgres)
{
    /// <summary>
    /// <paramref name="deployable"/> registers a database migrator, so it runs with Database__MigrateOnStart=false and the
    /// job has a container for it: its image, MigrateOnly, and the connection strings its Deployment gives it.
    /// </summary>
    internal static void AssertTheJobMigrates(Manifests manifests, Deployable deployable, IReadOnlyDictionary<string, string> deploymentEnvironment)
    {
        Assert.Equal("false", deploymentEnvironment.GetValueOrDefault("Database__MigrateOnStart"));
        var job = manifests.MigrationJob;
        var container = job.Spec.Template.Spec.Containers.SingleOrDefault(c => Deployable.ImageRepository(c.Image) == Deployable.ImageRepository(manifests.Deployment(deployable.Name).Spec.Template.Spec.Containers[0].Image));
        Assert.True(container is not null, $"the migration job (migrate.yaml) has no container for {deployable.Name}, which has a database to migrate");
        var environment = manifests.Environment(container, job.Spec.Template.Metadata, Manifests.Overlay("development"));
        Assert.Equal("true", environment.GetValueOrDefault("Database__MigrateOnly"));
        foreach (var (key, value) in deploymentEnvironment.Where(e => e.Key.StartsWith("ConnectionStrings__", StringComparison.Ordinal)))
        {
            Assert.Equal(value, environment.GetValueOrDefault(key));
        }
    }

    [Theory]
    [MemberData(nameof(ManifestTests.Overlays), MemberType = typeof(ManifestTests))]
    public void The_job_can_be_applied_on_its_own_before_the_rest(string overlay)
    {
        var manifests = Manifests.Overlay(overlay);
        var selected = manifests.Objects.Cast<k8s.IKubernetesObject<V1ObjectMeta>>()
            .Where(o => o.GetLabel("app.kubernetes.io/component") == "migration").ToList();

        // What `kubectl apply -k <overlay> -l app.kubernetes.io/component=migration` applies: the job and its policy.
        Assert.Equal(["Job/migrate", "NetworkPolicy/migrate"], selected.Select(o => $"{o.Kind}/{o.Name()}").Order());
        // The job reads no ConfigMap (the rest is not applied yet), only the Secret the operator created beforehand.
        var containers = manifests.MigrationJob.Spec.Template.Spec.Containers;
        Assert.All(containers, c => Assert.Null(c.EnvFrom));
        Assert.All(containers.SelectMany(c => c.Env), e => Assert.Null(e.ValueFrom?.ConfigMapKeyRef));
    }

    [Fact]
    public async Task Each_container_of_the_job_migrates_its_database_and_exits_without_serving()
    {
        var manifests = Manifests.Overlay("development");
        var job = manifests.MigrationJob;
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);

        foreach (var container in job.Spec.Template.Spec.Containers)
        {
            var deployable = Deployable.ForImage(container.Image);
            var environment = manifests.Environment(container, job.Spec.Template.Metadata);
            var connection = Assert.Single(environment.Keys, k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) && k != "ConnectionStrings__messaging");
            var database = await postgres.CreateDatabaseAsync(deployable.Name);
            var run = new Dictionary<string, string?>(environment.Select(e => KeyValuePair.Create(e.Key, (string?)e.Value)))
            {
                [connection] = database,
                // Were it to serve, it would serve here, and never exit: the hang guard would fail the test.
                ["ASPNETCORE_HTTP_PORTS"] = null,
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            };

            var (exitCode, output, error) = Repository.Run("dotnet", ["exec", deployable.BuiltAssembly], run);

            Assert.True(exitCode == 0, $"{deployable.Name}: exit code {exitCode}\n{output}\n{error}");
            Assert.DoesNotContain("Now listening on", output, StringComparison.Ordinal);
            var migrations = Assembly.Load(deployable.AssemblyName).GetTypes().Count(t => t.GetCustomAttribute<MigrationAttribute>() is not null);
            Assert.True(migrations > 0, $"{deployable.AssemblyName} declares no migration");
            await using var db = new NpgsqlConnection(database);
            await db.OpenAsync(TestContext.Current.CancellationToken);
            await using var count = new NpgsqlCommand("SELECT count(*) FROM __ef_migrations_history", db);
            Assert.Equal(migrations, Convert.ToInt32(await count.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
