using Finqware.Contracts.Skills;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>The skills of this connector and the handler of each of their steps.</summary>
public sealed class SkillRegistry
{
    private readonly Dictionary<string, SkillManifest> manifests = [];
    private readonly Dictionary<(string Skill, string Step), Type> handlers = [];
    private readonly Dictionary<string, Type> connectionHandlers = [];

    public IReadOnlyCollection<SkillManifest> Manifests => manifests.Values;

    public void Add(SkillManifest manifest) => manifests[manifest.SkillId] = manifest;

    public void Handle(string skillId, string step, Type handler)
    {
        if (!manifests.TryGetValue(skillId, out var manifest) || manifest.Steps.All(s => s.Name != step))
        {
            throw new InvalidOperationException($"'{step}' is not a step of the manifest of '{skillId}'.");
        }

        handlers[(skillId, step)] = handler;
    }

    public Type? Find(string skillId, string step) => handlers.GetValueOrDefault((skillId, step));

    /// <summary>The skill's <see cref="IConnectionHandler"/> (refresh and revoke of its connections).</summary>
    public void HandleConnections(string skillId, Type handler)
    {
        if (!manifests.ContainsKey(skillId))
        {
            throw new InvalidOperationException($"'{skillId}' is not a skill of this connector.");
        }

        connectionHandlers[skillId] = handler;
    }

    public Type? FindConnectionHandler(string skillId) => connectionHandlers.GetValueOrDefault(skillId);

    /// <summary>Steps of the manifests that have no handler: a connector must not start with any.</summary>
    public IEnumerable<string> Unhandled() => manifests.Values
        .SelectMany(m => m.Steps.Select(s => (m.SkillId, s.Name)))
        .Where(x => !handlers.ContainsKey(x))
        .Select(x => $"{x.SkillId}/{x.Name}");
}
