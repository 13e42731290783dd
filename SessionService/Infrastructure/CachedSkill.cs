using Finqware.Contracts.Skills;

namespace Finqware.SessionService.Infrastructure;

/// <summary>A skill of the replica as <see cref="ReplicaCache"/> keeps it: its manifest already parsed, and the broker user of its connector (null when registered before connectors had one).</summary>
public sealed record CachedSkill(SkillManifest Manifest, string? Connector);
