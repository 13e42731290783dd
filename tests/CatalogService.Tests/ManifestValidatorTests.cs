using Finqware.CatalogService.Skills;
using Finqware.Contracts.Skills;

namespace Finqware.CatalogService.Tests;

public sealed class ManifestValidatorTests
{
    internal static SkillManifest Valid(string skillId = "test_skill_sbx_#1.0", string schema = """
        {"type":"object","properties":{"name":{"type":"string"}},"required":["name"],"examples":[{"name":"Ana"}]}
        """) => new()
    {
        SkillId = skillId,
        Provider = "test",
        DisplayName = "Test skill",
        Description = "For tests.",
        Type = "aisp",
        Flavor = "sandbox",
        Version = "1.0",
        Steps = [new StepManifest { Name = "consent", Description = "Consent.", DataSchema = StepManifest.Schema(schema) }],
    };

    [Fact]
    public async Task A_complete_manifest_with_a_working_example_is_valid()
    {
        Assert.Empty(await ManifestValidator.ValidateAsync(Valid()));
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}""", "examples")]
    [InlineData("""{"type":"object","properties":{"name":{"type":"string"}},"required":["name"],"examples":[]}""", "examples")]
    [InlineData("""{"type":"object","properties":{"name":{"type":"string"}},"required":["name"],"examples":[{"nom":"Ana"}]}""", "first example")]
    [InlineData("""{"type":"object","properties":{"age":{"type":"integer"}},"examples":[{"age":"old"}]}""", "first example")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"#/definitions/missing"}},"examples":[{}]}""", "JSON Schema")]
    [InlineData("""[1,2,3]""", "JSON Schema object")]
    public async Task A_schema_without_a_working_first_example_is_rejected(string schema, string expected)
    {
        var problems = await ManifestValidator.ValidateAsync(Valid(schema: schema));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wrong_type_flavor_missing_fields_and_duplicate_steps_are_each_named()
    {
        var manifest = Valid() with
        {
            Type = "lending",
            Flavor = "staging",
            DisplayName = "",
            Steps = [Valid().Steps[0], Valid().Steps[0]],
        };

        var problems = await ManifestValidator.ValidateAsync(manifest);

        Assert.Contains(problems, p => p.StartsWith("type", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("flavor", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("display_name", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("declared twice", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("xyz_aisp_sbx_#1.0", "skill-xyz-aisp-sbx-1-0")]
    [InlineData("xyz_sbx_#3.0", "skill-xyz-sbx-3-0")]
    [InlineData("Bank--X  PISP", "skill-bank-x-pisp")]
    public void Queue_names_are_the_skill_id_in_kebab_case(string skillId, string queue)
    {
        Assert.Equal(queue, SkillQueues.For(skillId));
    }
}
