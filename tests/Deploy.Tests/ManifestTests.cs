using k8s;
using k8s.Models;

namespace Finqware.Deploy.Tests;

/// <summary>
/// deploy/kubernetes: every overlay renders, every object is valid for the Kubernetes API, and what the brief asks of
/// a deployment holds in each: probes that do not cascade, requests and limits, autoscaling, disruption budgets, one
/// way in (the gateway), the sandbox bank's links pointing at that way in.
/// </summary>
public sealed class ManifestTests
{
    public static TheoryData<string> Overlays => new(Repository.Overlays);

    [Fact]
    public void There_is_a_development_and_a_production_overlay() =>
        Assert.Equal(["development", "production"], Repository.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_overlay_renders_and_every_object_is_valid_against_the_Kubernetes_API(string overlay)
    {
        var manifests = Manifests.Overlay(overlay);

        // The strict read refused unknown fields, wrong types and unknown kinds; the schemas check the rest.
        Assert.NotEmpty(manifests.Objects);
        var (valid, report) = Schemas.Validate(manifests.Objects.Select(o => KubernetesJson.Serialize(o)));
        Assert.True(valid, $"{overlay}: {report}");
        Assert.Contains($"{manifests.Objects.Count} of {manifests.Objects.Count} objects valid", report, StringComparison.Ordinal);
        Assert.All(manifests.Objects.Cast<IKubernetesObject<V1ObjectMeta>>(), o => Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", o.Name()));
    }

    [Fact]
    public void A_missing_required_field_fails_the_check()
    {
        var deployment = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a"},"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}""";

        var (valid, report) = Schemas.Validate([deployment]);

        Assert.False(valid);
        Assert.Contains("must have required property selector", report, StringComparison.Ordinal);
        Assert.Contains("must have required property name", report, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_field_fails_the_check()
    {
        var manifests = Manifests.Overlay("production");
        var misspelt = manifests.Yaml.Replace("readinessProbe:", "readinesProbe:", StringComparison.Ordinal);

        var error = Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(misspelt, strict: true));
        Assert.Contains("readinesProbe", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_operators_resources_render()
    {
        var yaml = Manifests.Kustomize(Path.Combine(Repository.Kubernetes, "operators"));

        var kinds = yaml.Split('\n').Where(l => l.StartsWith("kind: ", StringComparison.Ordinal)).Select(l => l[6..].Trim()).Distinct().Order();
        Assert.Equal(["Cluster", "Database", "RabbitmqCluster"], kinds);
        Assert.Contains("finqware.io/datastore: postgresql", yaml, StringComparison.Ordinal);
        Assert.Contains("finqware.io/datastore: rabbitmq", yaml, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_deployment_has_probes_that_do_not_cascade_requests_limits_an_autoscaler_and_a_disruption_budget(string overlay)
    {
        var manifests = Manifests.Overlay(overlay);

        foreach (var deployment in manifests.Deployments)
        {
            var name = deployment.Name();
            var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
            // Liveness is the process alone: a database or a service that is down never restarts a pod.
            Assert.Equal("/alive", container.LivenessProbe?.HttpGet?.Path);
            Assert.Equal("/alive", container.StartupProbe?.HttpGet?.Path);
            Assert.Equal("/health", container.ReadinessProbe?.HttpGet?.Path);
            foreach (var resource in new[] { "cpu", "memory" })
            {
                Assert.True(container.Resources?.Requests?.ContainsKey(resource), $"{name}: no {resource} request");
                Assert.True(container.Resources?.Limits?.ContainsKey(resource), $"{name}: no {resource} limit");
            }

            Assert.Null(deployment.Spec.Replicas); // the autoscaler's to set
            var autoscaler = manifests.Get<V2HorizontalPodAutoscaler>(name);
            Assert.Equal(name, autoscaler.Spec.ScaleTargetRef.Name);
            Assert.True(autoscaler.Spec.MinReplicas >= (overlay == "production" ? 2 : 1), $"{name}: too few replicas for {overlay}");
            var budget = manifests.Get<V1PodDisruptionBudget>(name);
            Assert.Equal(name, budget.Spec.Selector.MatchLabels[Manifests.Name]);
            Assert.Equal(name, deployment.Spec.Template.Metadata.Labels[Manifests.Name]);
            Assert.Equal("finqware", deployment.Spec.Template.Metadata.Labels[Manifests.PartOf]);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Only_the_gateway_is_reachable_from_outside(string overlay)
    {
        var manifests = Manifests.Overlay(overlay);

        var ingress = Assert.Single(manifests.Objects.OfType<V1Ingress>());
        Assert.All(ingress.Spec.Rules.SelectMany(r => r.Http.Paths), p => Assert.Equal("gateway", p.Backend.Service.Name));
        Assert.All(manifests.Objects.OfType<V1Service>(), s => Assert.True(s.Spec.Type is null or "ClusterIP", $"{s.Name()} is a {s.Spec.Type}"));

        var policies = manifests.Objects.OfType<V1NetworkPolicy>().ToList();
        var deny = Assert.Single(policies, p => p.Spec.Ingress is null && p.Spec.Egress is null);
        Assert.Equal("finqware", deny.Spec.PodSelector.MatchLabels[Manifests.PartOf]);
        Assert.Equal(["Ingress", "Egress"], deny.Spec.PolicyTypes);
        foreach (var policy in policies)
        {
            // A rule without peers, or with a namespace or an address block, lets in traffic from outside the namespace.
            var fromOutside = (policy.Spec.Ingress ?? []).Any(rule => rule.FromProperty is null or { Count: 0 }
                || rule.FromProperty.Any(peer => peer.NamespaceSelector is not null || peer.IpBlock is not null));
            if (fromOutside)
            {
                Assert.Equal(new Dictionary<string, string> { [Manifests.Name] = "gateway" }, policy.Spec.PodSelector.MatchLabels);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_sandbox_banks_links_point_at_the_ingress(string overlay)
    {
        var manifests = Manifests.Overlay(overlay);
        var bank = manifests.Deployment("sandbox-bank");

        var environment = manifests.Environment(bank.Spec.Template.Spec.Containers[0], bank.Spec.Template.Metadata, Manifests.Overlay("development"));
        var host = Assert.Single(manifests.Objects.OfType<V1Ingress>()).Spec.Rules[0].Host;
        var url = new Uri(environment["SandboxBank__PublicBaseUrl"]);
        Assert.Equal(host, url.Host);
        var tls = Assert.Single(manifests.Objects.OfType<V1Ingress>()).Spec.Tls?.SelectMany(t => t.Hosts).Contains(host) == true;
        Assert.Equal(tls ? "https" : "http", url.Scheme);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Production_images_name_a_release_and_development_images_are_the_local_builds(string overlay)
    {
        var manifests = Manifests.Overlay(overlay);

        var containers = manifests.Deployments.SelectMany(d => d.Spec.Template.Spec.Containers)
            .Concat(manifests.MigrationJob.Spec.Template.Spec.Containers);
        foreach (var container in containers)
        {
            var tagged = container.Image.Length > Deployable.ImageRepository(container.Image).Length;
            if (overlay == "production")
            {
                Assert.True(tagged && !container.Image.EndsWith(":latest", StringComparison.Ordinal), $"{container.Image}: name the release's tag");
            }
            else
            {
                // Untagged is :latest, which Kubernetes would pull from a registry; a development cluster has it loaded.
                Assert.Equal("IfNotPresent", container.ImagePullPolicy);
            }
        }
    }
}
