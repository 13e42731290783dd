namespace Finqware.Gateway.GraphQL;

/// <summary>A skill of the catalog, as <c>GET /skills/{skill_id}</c> returns it.</summary>
public sealed class SkillType : RestObjectType
{
    public SkillType()
        : base("Skill", "A bank, insurer or fintech API plugged into Finqware (GET /skills/{skill_id}).")
    {
        Id("skill_id", "Opaque id such as xyz_aisp_sbx_#1.0.");
        Text("provider", "Who provides the skill.", required: true);
        Text("display_name", "Name to show to users.", required: true);
        Text("description", "What the skill does.");
        Text("type", "aisp, pisp or marketplace.", required: true);
        Text("flavor", "sandbox or production.", required: true);
        Text("version", "Version of the skill.");
        Text("status", "AVAILABLE while a connector serves it, UNAVAILABLE, or DEPRECATED.", required: true);
        Integer("instances", "Connector instances serving the skill now.");
        ListOf<SkillStepType>("steps", "The steps of a session, in order.");
        Texts("data_products", "What a completed session unlocks: accounts, balances, transactions, payments, applications.");
    }
}

public sealed class SkillStepType : RestObjectType
{
    public SkillStepType()
        : base("SkillStep", "One step of a skill's session.")
    {
        Text("name", "The step name to submit.", required: true);
        Text("description", "What the step does.");
        Json("data_schema", "JSON Schema of the step's data; its first example is a working sandbox input.");
        ListOf<UploadRequirementType>("uploads", "Documents the step needs.");
        Flag("async", "True when the outcome may come later than the first answer.");
    }
}

public sealed class UploadRequirementType : RestObjectType
{
    public UploadRequirementType()
        : base("UploadRequirement", "A document a step needs (POST /steps/{step_id}/upload).")
    {
        Text("kind", "What the document is, e.g. id_front.", required: true);
        Texts("content_types", "Accepted content types.");
        Long("max_bytes", "Largest accepted size in bytes.");
        Flag("required", "Whether the step waits for it.");
    }
}
