using Finqware.Contracts.Sessions;
using Finqware.SkillConnectors.TestKit;
using Finqware.Testing;
using MyConnector;

namespace MyConnector.Tests;

public sealed class ConnectorTests(PostgresServerFixture postgres, RabbitMqFixture rabbit)
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_connector_follows_the_Finqware_protocol()
    {
        var report = await ConnectorConformance.CheckAsync(postgres, rabbit, c => c.AddMyConnector(), cancellationToken: Cancel);

        report.AssertConformant();
    }

    [Fact]
    public async Task A_session_signs_the_applicant_up()
    {
        await using var connector = await ConnectorUnderTest.StartAsync(postgres, rabbit, c => c.AddMyConnector(), cancellationToken: Cancel);
        var session = Guid.NewGuid();

        var details = await connector.RunStepAsync(ConnectorUnderTest.Step(Skill.Manifest.SkillId, "details", new { name = "Ana", email = "ana@example.com" }, 1, session), Cancel);
        var confirm = await connector.RunStepAsync(
            ConnectorUnderTest.Step(Skill.Manifest.SkillId, "confirm", new { accept_terms = true }, 2, session,
                new Dictionary<string, System.Text.Json.JsonElement> { ["details"] = details.Result!.Value }),
            Cancel);

        Assert.Equal(StepOutcomes.Completed, details.Outcome);
        Assert.Equal(StepOutcomes.Completed, confirm.Outcome);
        Assert.Equal("SIGNED_UP", confirm.Result!.Value.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_blocked_applicant_is_refused()
    {
        await using var connector = await ConnectorUnderTest.StartAsync(postgres, rabbit, c => c.AddMyConnector(), cancellationToken: Cancel);

        var details = await connector.RunStepAsync(Skill.Manifest.SkillId, "details", new { name = "Bo", email = "bo@blocked.example" }, Cancel);

        Assert.Equal(StepOutcomes.Failed, details.Outcome);
        Assert.Equal("APPLICANT_REFUSED", details.Error!.Code);
    }
}
