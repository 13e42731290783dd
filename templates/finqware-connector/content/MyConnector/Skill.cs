using Finqware.Contracts.Skills;
using Finqware.SkillConnectors.Sdk;

namespace MyConnector;

/// <summary>The skill this connector serves: its manifest, and a handler for each of its steps.</summary>
public static class Skill
{
    public static readonly SkillManifest Manifest = new()
    {
        SkillId = "myprovider_signup_sbx_#1.0",
        Provider = "myprovider",
        DisplayName = "MyConnector sign-up (sandbox)",
        Description = "Two steps: the applicant's details, then their confirmation.",
        Type = "marketplace",
        Flavor = "sandbox",
        Version = "1.0",
        Steps =
        [
            new StepManifest
            {
                Name = "details",
                Description = "The applicant's name and e-mail address.",
                DataSchema = StepManifest.Schema("""
                    {
                      "type": "object",
                      "properties": {
                        "name": { "type": "string", "minLength": 1, "maxLength": 100 },
                        "email": { "type": "string", "format": "email" }
                      },
                      "required": ["name", "email"],
                      "additionalProperties": false,
                      "examples": [ { "name": "Ana", "email": "ana@example.com" } ]
                    }
                    """),
            },
            new StepManifest
            {
                Name = "confirm",
                Description = "The applicant accepts the terms.",
                DataSchema = StepManifest.Schema("""
                    {
                      "type": "object",
                      "properties": { "accept_terms": { "type": "boolean" } },
                      "required": ["accept_terms"],
                      "additionalProperties": false,
                      "examples": [ { "accept_terms": true } ]
                    }
                    """),
            },
        ],
    };

    /// <summary>Declares the skill and its handlers (Program.cs and the tests call this).</summary>
    public static ConnectorHost AddMyConnector(this ConnectorHost connector)
    {
        ArgumentNullException.ThrowIfNull(connector);
        connector.AddSkill(Manifest)
            .HandleStep<DetailsHandler>("details")
            .HandleStep<ConfirmHandler>("confirm");
        return connector;
    }
}
