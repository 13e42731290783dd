using System.Text.Json;
using Finqware.Contracts.Skills;

namespace Finqware.SessionService.Skills;

/// <summary>A skill's manifest as the catalog registered it (from <see cref="SkillRegistered"/>).</summary>
public sealed class SkillReplica
{
    public required string SkillId { get; init; }

    public required string Manifest { get; set; }

    /// <summary>
    /// The broker user of the connector the skill belongs to (<see cref="SkillRegistered.Connector"/>): outcomes and data
    /// events of the skill's steps are taken from it only (<see cref="ConnectorSenderFilter{T}"/>).
    /// </summary>
    public string? Connector { get; set; }

    public DateTimeOffset RegisteredAt { get; set; }

    public SkillManifest ToManifest() => JsonSerializer.Deserialize<SkillManifest>(Manifest, SkillJson.Options)!;
}

internal static class SkillJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
