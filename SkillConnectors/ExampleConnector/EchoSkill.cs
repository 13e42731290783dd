using Finqware.Contracts.Skills;

namespace Finqware.SkillConnectors.ExampleConnector;

public static class EchoSkill
{
    public static readonly SkillManifest Manifest = new()
    {
        SkillId = "example_echo_sbx_#1.0",
        Provider = "example",
        DisplayName = "Echo (example)",
        Description = "The smallest possible skill: one step that greets the user by name.",
        Type = "marketplace",
        Flavor = "sandbox",
        Version = "1.0",
        DataProducts = ["applications"],
        Steps =
        [
            new StepManifest
            {
                Name = "greeting",
                Description = "Send the user's name; get a greeting back. The name 'nobody' is refused.",
                DataSchema = StepManifest.Schema("""
                    {
                      "type": "object",
                      "properties": { "name": { "type": "string", "minLength": 1, "maxLength": 100 } },
                      "required": ["name"],
                      "additionalProperties": false,
                      "examples": [ { "name": "Ana" } ]
                    }
                    """),
            },
        ],
    };
}
