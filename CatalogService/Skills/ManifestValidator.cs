using System.Text.Json;
using Finqware.Contracts.Skills;
using NJsonSchema;

namespace Finqware.CatalogService.Skills;

/// <summary>A manifest the catalog refuses; its message goes to the error queue at once (retrying cannot fix it).</summary>
public sealed class InvalidManifestException(string skillId, IReadOnlyList<string> problems)
    : Microsoft.Extensions.Hosting.PermanentMessageException($"Manifest of '{skillId}' rejected: {string.Join("; ", problems)}")
{
    public string SkillId { get; } = skillId;

    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Checks a manifest before it enters the catalog: the fields of docs/connectors.md ("The manifest"), and for every step a data_schema that
/// is a valid JSON Schema whose <c>examples</c> start with an input the schema accepts (the catalog, the docs and
/// sandbox sessions prefill steps from it).
/// </summary>
public static class ManifestValidator
{
    private static readonly string[] Types = ["aisp", "pisp", "marketplace"];
    private static readonly string[] Flavors = ["sandbox", "production"];

    public static async Task<IReadOnlyList<string>> ValidateAsync(SkillManifest manifest)
    {
        var problems = new List<string>();
        Require(problems, manifest.SkillId, "skill_id", 128);
        Require(problems, manifest.Provider, "provider", 64);
        Require(problems, manifest.DisplayName, "display_name", 200);
        Require(problems, manifest.Description, "description", 2000);
        Require(problems, manifest.Version, "version", 32);
        if (!Types.Contains(manifest.Type))
        {
            problems.Add($"type must be one of {string.Join(", ", Types)}");
        }

        if (!Flavors.Contains(manifest.Flavor))
        {
            problems.Add("flavor must be sandbox or production");
        }

        if (manifest.Steps is null || manifest.Steps.Count == 0)
        {
            problems.Add("a skill needs at least one step");
            return problems;
        }

        foreach (var duplicate in manifest.Steps.GroupBy(s => s.Name).Where(g => g.Count() > 1))
        {
            problems.Add($"step '{duplicate.Key}' is declared twice");
        }

        foreach (var step in manifest.Steps)
        {
            Require(problems, step.Name, "step name", 64);
            await ValidateSchemaAsync(step, problems);
            foreach (var upload in step.Uploads ?? [])
            {
                if (string.IsNullOrWhiteSpace(upload.Kind) || upload.ContentTypes is not { Count: > 0 } || upload.MaxBytes <= 0)
                {
                    problems.Add($"step '{step.Name}': every upload needs a kind, content types and a positive max_bytes");
                }
            }
        }

        return problems;
    }

    private static async Task ValidateSchemaAsync(StepManifest step, List<string> problems)
    {
        if (step.DataSchema.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"step '{step.Name}': data_schema must be a JSON Schema object");
            return;
        }

        JsonSchema schema;
        try
        {
            schema = await JsonSchema.FromJsonAsync(step.DataSchema.GetRawText());
        }
        catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or InvalidOperationException or ArgumentException or NotSupportedException)
        {
            problems.Add($"step '{step.Name}': data_schema is not a valid JSON Schema ({ex.Message})");
            return;
        }

        if (!step.DataSchema.TryGetProperty("examples", out var examples) || examples.ValueKind != JsonValueKind.Array || examples.GetArrayLength() == 0)
        {
            problems.Add($"step '{step.Name}': data_schema needs an 'examples' array whose first entry is a working input");
            return;
        }

        var errors = schema.Validate(examples[0].GetRawText());
        if (errors.Count > 0)
        {
            problems.Add($"step '{step.Name}': the first example does not match the schema ({string.Join(", ", errors.Select(e => $"{e.Path}: {e.Kind}"))})");
        }
    }

    private static void Require(List<string> problems, string? value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > maxLength)
        {
            problems.Add($"{field} is required (at most {maxLength} characters)");
        }
    }
}
