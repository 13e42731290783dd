using System.Reflection;
using Finqware.AppHost;
using Finqware.AppHost.Hosting;
using k8s.Models;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Finqware.Deploy.Tests;

/// <summary>
/// Every setting a deployable requires outside development is supplied by the manifests: each deployable's host is
/// built in the Production environment with exactly the environment its Deployment gives it (ConfigMaps, Secrets, field
/// references), and started with its hosted services left out, so that every connection string it reads and every
/// option validated at start is checked as the real start would check it, without a database or a broker. Production's
/// Secrets, which the operator creates, are read with the development overlay's values: same names, same keys.
/// </summary>
public sealed class SettingsTests
{
    /// <summary>
    /// What the AppHost sets locally that has no meaning in a cluster, and why (a trailing <c>*</c> matches a prefix:
    /// a local stand-in's settings, such as a mock bank's, which production replaces with its own).
    /// </summary>
    private static readonly Dictionary<string, string> LocalOnly = new()
    {
        ["ASPNETCORE_URLS"] = "a loopback port of the machine; in a pod ASPNETCORE_HTTP_PORTS=8080",
        ["Logging__Console__FormatterOptions__SingleLine"] = "the dashboard's plain console lines; a cluster logs JSON",
        ["DOTNET_NOLOGO"] = "the SDK's banner, which a published app never prints",
        ["services__bank-mock__*"] = "the bank-mock (Prism) the AppHost runs for the Berlin Group connector; a cluster has real banks",
        ["BerlinGroup__Banks__mockbank__*"] = "the one local bank, the bank-mock; a cluster's banks are the Deployment's own BerlinGroup__Banks__* variables",
        ["Catalog__Providers__mockbank__*"] = "the local bank's provider (the bank-mock's connector); a cluster registers its own banks' keys",
    };

    public static TheoryData<string> Overlays => new(Repository.Overlays);

    private static Manifests Development => Manifests.Overlay("development");

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_deployable_starts_in_production_with_what_its_deployment_gives_it(string overlay)
    {
        var manifests = Manifests.Overlay(overlay);

        foreach (var deployable in Deployable.Every)
        {
            var deployment = manifests.Deployment(deployable.Name);
            var environment = manifests.Environment(deployment.Spec.Template.Spec.Containers[0], deployment.Spec.Template.Metadata, Development);
            Assert.Equal("Production", environment["ASPNETCORE_ENVIRONMENT"]);

            var migrates = Start(deployable, environment, out var failure);
            Assert.True(failure is null, $"{overlay}: {deployable.Name} does not start with what its Deployment gives it: {failure}");
            if (migrates)
            {
                MigrationJobTests.AssertTheJobMigrates(manifests, deployable, environment);
            }
        }
    }

    [Theory]
    [InlineData("Nonces__RootKey")]
    [InlineData("ConnectionStrings__sessiondb")]
    [InlineData("ConnectionStrings__messaging")]
    public void A_setting_the_manifests_leave_out_fails_the_check(string setting)
    {
        var deployment = Development.Deployment("sessions");
        var environment = Development.Environment(deployment.Spec.Template.Spec.Containers[0], deployment.Spec.Template.Metadata);
        var sessions = Deployable.Every.Single(d => d.Name == "sessions");

        Assert.True(environment.Remove(setting));
        Start(sessions, environment, out var failure);

        Assert.NotNull(failure);
        Assert.Contains(setting.Replace("__", ":", StringComparison.Ordinal), failure.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_deployable_gets_every_variable_the_AppHost_gives_it(string overlay)
    {
        var manifests = Manifests.Overlay(overlay);

        foreach (var (name, local) in AppHostEnvironments())
        {
            var deployment = manifests.Deployment(name);
            var environment = manifests.Environment(deployment.Spec.Template.Spec.Containers[0], deployment.Spec.Template.Metadata, Development);
            var missing = local.Keys.Where(key => !IsLocalOnly(key) && !environment.ContainsKey(key)).ToList();
            Assert.True(missing.Count == 0, $"{overlay}: the AppHost gives {name} {string.Join(", ", missing)}, its Deployment does not");
            Assert.Equal(name, environment["OTEL_SERVICE_NAME"]);
        }
    }

    [Fact]
    public void Every_secret_production_reads_is_one_the_development_overlay_declares_and_deploy_README_lists()
    {
        var production = Manifests.Overlay("production");
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "README.md"));

        Assert.Empty(production.Objects.OfType<V1Secret>());
        var references = production.Deployments.Select(d => d.Spec.Template.Spec).Append(production.MigrationJob.Spec.Template.Spec)
            .SelectMany(pod => pod.Containers).SelectMany(c => c.Env ?? [])
            .Select(e => e.ValueFrom?.SecretKeyRef).OfType<V1SecretKeySelector>().Distinct();
        foreach (var reference in references)
        {
            Assert.NotNull(Development.SecretValue(reference.Name, reference.Key));
            Assert.Contains($"{reference.Key}=", readme, StringComparison.Ordinal);
        }
    }

    private static bool IsLocalOnly(string key) => LocalOnly.Keys.Any(pattern =>
        pattern.EndsWith('*') ? key.StartsWith(pattern[..^1], StringComparison.Ordinal) : key == pattern);

    /// <summary>Builds and starts <paramref name="deployable"/>'s host; true when it registers a database migrator.</summary>
    private static bool Start(Deployable deployable, IReadOnlyDictionary<string, string> environment, out Exception? failure)
    {
        var start = typeof(SettingsTests).GetMethod(nameof(StartHost), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(deployable.EntryPoint);
        try
        {
            failure = null;
            return (bool)start.Invoke(null, [environment])!;
        }
        catch (TargetInvocationException ex)
        {
            failure = ex.InnerException;
            return false;
        }
    }

    private static bool StartHost<TEntryPoint>(IReadOnlyDictionary<string, string> environment) where TEntryPoint : class
    {
        var migrates = false;
        using var factory = new WebApplicationFactory<TEntryPoint>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Production");
            foreach (var (key, value) in environment)
            {
                web.UseSetting(key.Replace("__", ":", StringComparison.Ordinal), value);
            }

            web.ConfigureLogging(logging => logging.ClearProviders());
            web.ConfigureTestServices(services =>
            {
                migrates = services.Any(d => d.ServiceType.Name == "IDatabaseMigrator");
                // Nothing that would reach PostgreSQL or RabbitMQ: what is left of the start is building the
                // services and validating the options registered with ValidateOnStart.
                services.RemoveAll<IHostedService>();
            });
        });
        _ = factory.Services;
        return migrates;
    }

    /// <summary>The environment the AppHost gives each project it starts (AppModel), computed without starting anything.</summary>
    private static IEnumerable<(string Name, Dictionary<string, string?> Environment)> AppHostEnvironments()
    {
        var state = TestInfrastructure.TempDirectory("deploy");
        try
        {
            var options = new FinqwareHostOptions
            {
                RepositoryRoot = Repository.Root,
                StateDirectory = state,
                Dashboard = false,
                ExternalPostgres = "Host=postgres;Username=finqware",
                ExternalMessaging = "amqp://finqware:finqware@rabbitmq:5672",
            };
            var app = AppModel.Declare(FinqwareHost.CreateBuilder(options));
            var projects = app.Resources.OfType<ProjectResource>().ToList();
            projects.ForEach(p => p.AssignPort(options));
            return projects.Select(p => (p.Name, p.BuildEnvironment(options))).ToList();
        }
        finally
        {
            TestInfrastructure.DeleteQuietly(state);
        }
    }
}
