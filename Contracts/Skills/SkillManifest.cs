using System.Text;
using System.Text.Json;

namespace Finqware.Contracts.Skills;

/// <summary>
/// What a connector declares about one skill: the catalog shape (docs/connectors.md, "The manifest") plus the queue its steps arrive on.
/// </summary>
public sealed record SkillManifest
{
    /// <summary>Opaque id such as <c>xyz_aisp_sbx_#1.0</c>.</summary>
    public required string SkillId { get; init; }

    public required string Provider { get; init; }

    public required string DisplayName { get; init; }

    public required string Description { get; init; }

    /// <summary>aisp, pisp or marketplace.</summary>
    public required string Type { get; init; }

    /// <summary>sandbox or production.</summary>
    public required string Flavor { get; init; }

    public required string Version { get; init; }

    /// <summary>The steps, in the order a session runs them.</summary>
    public required IReadOnlyList<StepManifest> Steps { get; init; }

    /// <summary>What a completed session unlocks: accounts, balances, transactions, payments, applications…</summary>
    public IReadOnlyList<string> DataProducts { get; init; } = [];

    /// <summary>The queue <see cref="Sessions.ProcessStep"/> commands for this skill are sent to.</summary>
    public string Queue => SkillQueues.For(SkillId);
}

public sealed record StepManifest
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    /// <summary>JSON Schema of the step's <c>data</c>; its <c>examples</c> start with a working sandbox input.</summary>
    public required JsonElement DataSchema { get; init; }

    public IReadOnlyList<UploadRequirement> Uploads { get; init; } = [];

    /// <summary>True when the outcome may come later than the first answer (offline verification, decoupled SCA).</summary>
    public bool Async { get; init; }

    /// <summary>Parses a JSON Schema written as a string (as manifests usually are).</summary>
    public static JsonElement Schema(string json) => JsonDocument.Parse(json).RootElement.Clone();
}

public sealed record UploadRequirement
{
    /// <summary>What the document is, e.g. id_front, id_back, selfie.</summary>
    public required string Kind { get; init; }

    public required IReadOnlyList<string> ContentTypes { get; init; }

    public required long MaxBytes { get; init; }

    public bool Required { get; init; } = true;
}

/// <summary>Queue names of skills: <c>skill-</c> and the skill id in kebab case (<c>xyz_aisp_sbx_#1.0</c> → <c>skill-xyz-aisp-sbx-1-0</c>).</summary>
public static class SkillQueues
{
    public static string For(string skillId)
    {
        var builder = new StringBuilder("skill-");
        var dash = true;
        foreach (var c in skillId.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                builder.Append(c);
                dash = false;
            }
            else if (!dash)
            {
                builder.Append('-');
                dash = true;
            }
        }

        return builder.ToString().TrimEnd('-');
    }
}
