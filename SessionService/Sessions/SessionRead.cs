using Finqware.Contracts.Skills;

namespace Finqware.SessionService.Sessions;

/// <summary>A session as a workflow read it, with its skill's manifest (null when the catalog no longer has it).</summary>
public sealed record SessionRead(Session Session, SkillManifest? Manifest);
