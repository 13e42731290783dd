using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace Finqware.Deploy.Tests;

/// <summary>
/// An overlay as <c>kubectl kustomize</c> renders it, read strictly into the Kubernetes API's types: a field the
/// API does not have, a value of the wrong type or an unknown kind fails the read.
/// </summary>
public sealed partial class Manifests
{
    private static readonly ConcurrentDictionary<string, Lazy<Manifests>> Rendered = new();

    private Manifests(string path, string yaml)
    {
        Path = path;
        Yaml = yaml;
        Objects = KubernetesYaml.LoadAllFromString(yaml, strict: true);
    }

    public string Path { get; }

    public string Yaml { get; }

    public IReadOnlyList<object> Objects { get; }

    public IEnumerable<V1Deployment> Deployments => Objects.OfType<V1Deployment>().Where(d => d.Labels().TryGetValue(PartOf, out var p) && p == "finqware");

    public V1Job MigrationJob => Objects.OfType<V1Job>().Single(j => j.Name() == "migrate");

    public const string PartOf = "app.kubernetes.io/part-of";
    public const string Name = "app.kubernetes.io/name";

    /// <summary>An overlay (by its folder name under deploy/kubernetes/overlays), rendered once per test run.</summary>
    public static Manifests Overlay(string overlay) => Render(System.IO.Path.Combine(Repository.Kubernetes, "overlays", overlay));

    public static Manifests Render(string path) =>
        Rendered.GetOrAdd(path, p => new Lazy<Manifests>(() => new Manifests(p, Kustomize(p)))).Value;

    public static string Kustomize(string path)
    {
        var (exitCode, output, error) = Repository.Run(Repository.Kubectl, ["kustomize", path]);
        Assert.True(exitCode == 0, $"kubectl kustomize {path} failed: {error}");
        return output;
    }

    public T Get<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        Objects.OfType<T>().SingleOrDefault(o => o.Name() == name)
        ?? throw new InvalidOperationException($"{System.IO.Path.GetFileName(Path)}: no {typeof(T).Name} named {name}");

    public V1Deployment Deployment(string name) => Get<V1Deployment>(name);

    /// <summary>
    /// The environment a container starts with, as the kubelet builds it: envFrom first, then env (which wins),
    /// <c>$(VAR)</c> expanded from the variables before it, field references from the pod template. A Secret that
    /// the overlay does not render (production's, created by the operator) is read from <paramref name="secrets"/>.
    /// </summary>
    public Dictionary<string, string> Environment(V1Container container, V1ObjectMeta pod, Manifests? secrets = null)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            if (source.ConfigMapRef is { } configMap)
            {
                foreach (var (key, value) in Get<V1ConfigMap>(configMap.Name).Data ?? new Dictionary<string, string>())
                {
                    environment[(source.Prefix ?? "") + key] = value;
                }
            }

            if (source.SecretRef is { } secret)
            {
                foreach (var (key, value) in Secret(secret.Name, secrets).Data ?? new Dictionary<string, byte[]>())
                {
                    environment[(source.Prefix ?? "") + key] = Encoding.UTF8.GetString(value);
                }
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            environment[variable.Name] = variable switch
            {
                { ValueFrom.SecretKeyRef: { } reference } => SecretValue(reference.Name, reference.Key, secrets),
                { ValueFrom.ConfigMapKeyRef: { } reference } => Value(Get<V1ConfigMap>(reference.Name).Data, reference.Key)
                    ?? throw new InvalidOperationException($"ConfigMap {reference.Name} has no key {reference.Key} (for {variable.Name})"),
                { ValueFrom.FieldRef.FieldPath: "metadata.name" } => pod.Name ?? "pod-1234",
                { ValueFrom.FieldRef.FieldPath: var path } when LabelPath().Match(path) is { Success: true } match =>
                    Value(pod.Labels, match.Groups[1].Value) ?? throw new InvalidOperationException($"the pod has no label {match.Groups[1].Value} (for {variable.Name})"),
                { ValueFrom: not null } => throw new InvalidOperationException($"{variable.Name}: a source these checks do not know"),
                _ => Reference().Replace(variable.Value ?? "", m => environment.GetValueOrDefault(m.Groups[1].Value, m.Value)),
            };
        }

        return environment;
    }

    public string SecretValue(string name, string key, Manifests? secrets = null) =>
        Value(Secret(name, secrets).Data, key) is { } value
            ? Encoding.UTF8.GetString(value)
            : throw new InvalidOperationException($"Secret {name} has no key {key}");

    private V1Secret Secret(string name, Manifests? secrets) =>
        Objects.OfType<V1Secret>().SingleOrDefault(s => s.Name() == name)
        ?? secrets?.Objects.OfType<V1Secret>().SingleOrDefault(s => s.Name() == name)
        ?? throw new InvalidOperationException($"no Secret named {name}");

    private static T? Value<T>(IDictionary<string, T>? values, string key) where T : class =>
        values is not null && values.TryGetValue(key, out var value) ? value : null;

    [GeneratedRegex(@"^metadata\.labels\['([^']+)'\]$")]
    private static partial Regex LabelPath();

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();
}
